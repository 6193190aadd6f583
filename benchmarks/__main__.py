"""Run every benchmark and print its figures."""

from benchmarks import bench_audit, bench_compile, bench_localize, bench_server, bench_validate

if __name__ == "__main__":
    bench_validate.run()
    print()
    bench_compile.run()
    print()
    bench_localize.run()
    print()
    bench_server.run()
    print()
    bench_audit.run()

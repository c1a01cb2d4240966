"""The WalkRx benchmark (issue 7): data generator, API load, jobs, admin; see BENCHMARKS.md.

Not part of the product: nothing here is imported by clinic, patients or programs, and the
bare "twin" views (bench.twins) are mounted only when WALKRX_BENCH_TWINS is true.
"""

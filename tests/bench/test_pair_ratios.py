import math

from bench.run import pair_ratios


def _runs(*seconds):
    return [{"seconds": s} for s in seconds]


def test_each_job_run_is_divided_by_the_raw_run_of_its_pair_smallest_first():
    ratios = pair_ratios(_runs(3.0, 1.0, 2.0), _runs(1.0, 1.0, 0.5))

    assert ratios == [1.0, 3.0, 4.0]


def test_a_raw_run_of_no_time_gives_no_number():
    (ratio,) = pair_ratios(_runs(1.0), _runs(0.0))

    assert math.isnan(ratio)

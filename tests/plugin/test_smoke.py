def test_x(run_tests, pytester):
    pytester.makepyfile("def test_a():\n    assert 1\n")
    run_tests().assert_outcomes(passed=1)

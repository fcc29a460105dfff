"""Test-wide settings: property tests must not fail because a loaded CI machine is slow."""

from hypothesis import HealthCheck, settings

settings.register_profile(
    "asl",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile("asl")

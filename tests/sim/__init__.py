"""A simulated HyperShift management cluster for end-to-end tests and the demo (see docs/simulator.md)."""

from .cluster import ManagementCluster

__all__ = ["ManagementCluster"]

"""Planning: compare the blocks calsync wants with the blocks it owns, and list the changes."""

from calsync.plan.planner import Plan, Released, make_plan

__all__ = ["Plan", "Released", "make_plan"]

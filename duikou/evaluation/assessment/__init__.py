"""The stages before scoring that a scheme may set: self-assessment (自评) with the partner's opinion (征求结对方意见),
and the cross-check by other provinces (交叉核查)."""

"""Data-quality checks in the national system's style (问题数据清洗): rules over the records that flag households whose
data contradict themselves or the policy, kept as findings that close themselves once the data no longer trips them."""

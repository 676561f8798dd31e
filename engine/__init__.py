"""partyflow's workflow engine: the only package that imports SpiffWorkflow. No Django models here.

- `loader`: parse, validate and version BPMN (`load_directory`, `specs_for_version`)
- `runtime`: `WorkflowRun` (start, complete, timers, dump/restore with the restricted script engine)
- `rules`, `rulesets`: versioned rule sets; `calendar`: dates, calendar months, working days
- `scripting`: the restricted script environment; `errors`: typed domain errors
"""

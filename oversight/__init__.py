"""Branch oversight: committee terms, identification of weak branches (P4 step 1) and the weak-branch
list that the remediation procedure (bpmn/weak_branch_remediation.bpmn) keeps."""

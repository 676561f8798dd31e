"""P4 remediation of weak branches: the procedure and the weak-branch list it keeps."""

"""P7 membership transfer (组织关系转接): out of the university, in, and between its branches."""

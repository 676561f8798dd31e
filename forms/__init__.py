"""JSON Schemas for user-task forms (`forms/schemas/<process>/<task>.json`) and their validation."""

"""Fupin identification: Quotas, applications and their review workflow, public notices and objections, department comparison, exit, monitoring and return to poverty."""

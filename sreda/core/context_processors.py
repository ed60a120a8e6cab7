def active_role(request):
    return {"active_role": getattr(request, "active_role", None)}

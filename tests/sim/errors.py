"""Kubernetes `Status` errors with the codes and reasons the real API server returns."""


class ApiError(Exception):
    def __init__(self, code, reason, message, details=None):
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details or {}

    def status(self):
        return {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "details": self.details,
            "code": self.code,
        }

    @classmethod
    def not_found(cls, res, name):
        what = "%s.%s" % (res.plural, res.group) if res.group else res.plural
        return cls(404, "NotFound", '%s "%s" not found' % (what, name), _details(res, name))

    @classmethod
    def already_exists(cls, res, name):
        what = "%s.%s" % (res.plural, res.group) if res.group else res.plural
        return cls(409, "AlreadyExists", '%s "%s" already exists' % (what, name), _details(res, name))

    @classmethod
    def conflict(cls, res, name):
        what = "%s.%s" % (res.plural, res.group) if res.group else res.plural
        msg = (
            'Operation cannot be fulfilled on %s "%s": the object has been modified; '
            "please apply your changes to the latest version and try again" % (what, name)
        )
        return cls(409, "Conflict", msg, _details(res, name))

    @classmethod
    def invalid(cls, res, name, field, detail):
        msg = '%s "%s" is invalid: %s: %s' % (res.kind, name, field, detail)
        details = _details(res, name)
        details["causes"] = [{"reason": "FieldValueInvalid", "message": detail, "field": field}]
        return cls(422, "Invalid", msg, details)

    @classmethod
    def invalid_patch(cls, message):
        return cls(422, "Invalid", "the server rejected our request due to an error in our request: " + message)

    @classmethod
    def bad_request(cls, message):
        return cls(400, "BadRequest", message)

    @classmethod
    def unsupported_media(cls, message):
        return cls(415, "UnsupportedMediaType", message)

    @classmethod
    def method_not_allowed(cls, message="the server does not allow this method on the requested resource"):
        return cls(405, "MethodNotAllowed", message)


def _details(res, name):
    details = {"name": name, "kind": res.plural}
    if res.group:
        details["group"] = res.group
    return details

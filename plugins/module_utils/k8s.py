# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one place where ocp.day2 modules get a Kubernetes client.

Client creation, authentication options and their environment fallbacks are kubernetes.core's:
we subclass its AnsibleK8SModule and call its get_api_client, like community.okd does.
"""

from __future__ import annotations

import copy
import json
import time

from ansible_collections.kubernetes.core.plugins.module_utils.args_common import AUTH_ARG_SPEC
from ansible_collections.kubernetes.core.plugins.module_utils.k8s.client import get_api_client
from ansible_collections.kubernetes.core.plugins.module_utils.k8s.core import AnsibleK8SModule
from ansible_collections.kubernetes.core.plugins.module_utils.k8s.exceptions import CoreException

from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error, Day2Interrupted
from ansible_collections.ocp.day2.plugins.module_utils.files import signals_raise

try:
    from kubernetes.dynamic.exceptions import DynamicApiError, NotFoundError, ResourceNotFoundError
except ImportError:  # reported by AnsibleK8SModule's requirement check

    class DynamicApiError(Exception):
        pass

    class NotFoundError(DynamicApiError):
        pass

    class ResourceNotFoundError(Exception):
        pass


try:
    from urllib3.exceptions import HTTPError as Urllib3HTTPError
except ImportError:

    class Urllib3HTTPError(Exception):
        pass


# Re-exported so modules catch the same classes (or their stand-ins) without their own import fallbacks.
__all__ = [
    "Day2K8sModule",
    "DynamicApiError",
    "NotFoundError",
    "ResourceNotFoundError",
    "Urllib3HTTPError",
    "api_error_text",
    "as_dict",
    "get_or_none",
    "auth_arg_spec",
    "connection_error_text",
    "HYPERSHIFT_API",
    "is_transient",
    "with_retries",
]

HYPERSHIFT_API = "hypershift.openshift.io/v1beta1"


def auth_arg_spec():
    """A fresh copy of kubernetes.core's auth options, to merge into a module's argument_spec."""
    return copy.deepcopy(AUTH_ARG_SPEC)


def api_error_text(exc):
    """The API server's own message from a DynamicApiError (its Status body), else str(exc)."""
    body = getattr(exc, "body", None)
    if body:
        try:
            data = json.loads(body)
            if isinstance(data, dict) and data.get("message"):
                return "%s (HTTP %s)" % (data["message"], getattr(exc, "status", "?"))
        except (TypeError, ValueError):
            pass
    status = getattr(exc, "status", None)
    reason = getattr(exc, "reason", None)
    if status:
        return "HTTP %s %s" % (status, reason or "")
    return str(exc)


def connection_error_text(exc):
    """(API URL or None, cause) of a connection failure, without urllib3's wrapping (pool, retries, reprs)."""
    pool = getattr(exc, "pool", None)
    url = "%s://%s:%s" % (pool.scheme, pool.host, pool.port) if getattr(pool, "host", None) else None
    text = str(getattr(exc, "reason", None) or exc)
    for marker in (">: ", "): "):  # "HTTPSConnection(host='127.0.0.1', port=6443): Failed to establish ..."
        if marker in text:
            text = text.split(marker, 1)[1]
            break
    return url, text


# Transient API errors (HTTP 5xx, 429, connection refused or reset, timeouts) are retried this many times
# in all, waiting RETRY_DELAY, then twice as long each time, at most RETRY_MAX_DELAY between two attempts.
RETRY_ATTEMPTS = 4
RETRY_DELAY = 0.5
RETRY_MAX_DELAY = 8.0


def is_transient(exc):
    """True for an error worth retrying: HTTP 5xx or 429 from the API server, or a connection failure."""
    status = getattr(exc, "status", None)
    if isinstance(status, int):
        return status == 429 or 500 <= status <= 599
    return isinstance(exc, (Urllib3HTTPError, ConnectionError, TimeoutError))


def _retry_after(exc):
    """Seconds the server asked us to wait (Status details.retryAfterSeconds or a Retry-After header)."""
    headers = getattr(exc, "headers", None) or {}
    try:
        return float(headers.get("Retry-After"))
    except (TypeError, ValueError, AttributeError):
        pass
    try:
        return float(json.loads(getattr(exc, "body", None) or "{}").get("details", {}).get("retryAfterSeconds"))
    except (TypeError, ValueError, AttributeError):
        return None


def with_retries(call, *args, **kwargs):
    """call(*args, **kwargs), retried with exponential backoff while it fails with a transient error.

    Only for calls that may safely run twice (reads and patches that set absolute values).
    The last error propagates; every other error propagates at once.
    """
    delay = RETRY_DELAY
    for attempt in range(1, RETRY_ATTEMPTS + 1):
        try:
            return call(*args, **kwargs)
        except Exception as exc:
            if attempt == RETRY_ATTEMPTS or not is_transient(exc):
                raise
            wait = _retry_after(exc)
            time.sleep(min(RETRY_MAX_DELAY, wait if wait is not None else delay))
            delay = min(RETRY_MAX_DELAY, delay * 2)
    raise AssertionError("unreachable")  # pragma: no cover


def as_dict(obj):
    """A dynamic-client answer (ResourceInstance) or a plain mapping as a dict."""
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)


def get_or_none(module, api_version, kind, name, namespace):
    """One object as a dict (transient API errors retried), or None when it does not exist."""
    try:
        return as_dict(with_retries(module.resource(api_version, kind).get, name=name, namespace=namespace))
    except NotFoundError:
        return None


class Day2K8sModule(AnsibleK8SModule):
    """AnsibleK8SModule with a lazily created client and one error-to-fail_json path."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._client = None

    @property
    def client(self):
        if self._client is None:
            try:
                self._client = get_api_client(module=self)
            except CoreException as exc:
                raise Day2Error(
                    "Could not create a Kubernetes client: %s. Check kubeconfig, context, host and "
                    "credentials (the K8S_AUTH_* variables or the module's auth options)." % exc
                ) from exc
        return self._client

    def resource(self, api_version, kind):
        """The dynamic-client resource for api_version/kind, with a clear error when unknown."""
        try:
            return with_retries(self.client.resources.get, api_version=api_version, kind=kind)
        except ResourceNotFoundError as exc:
            raise Day2Error(
                "The API server does not serve %s %s. Is this a management cluster with the "
                "HyperShift operator installed, and is the kubeconfig pointing at it?" % (api_version, kind)
            ) from exc

    def run(self, execute):
        """Call execute(self) -> dict and exit; every expected failure becomes fail_json."""
        try:
            with signals_raise():
                result = execute(self)
        except Day2Interrupted as exc:
            self.fail_json(msg=exc.msg)
        except Day2Error as exc:
            self.fail_json(msg=exc.msg, **exc.result)
        except DynamicApiError as exc:
            self.fail_json(msg="Kubernetes API error: %s" % api_error_text(exc), status=getattr(exc, "status", None))
        except (Urllib3HTTPError, OSError) as exc:
            url, cause = connection_error_text(exc)
            url = url or getattr(getattr(self._client, "configuration", None), "host", None)
            self.fail_json(
                msg="Cannot reach the Kubernetes API server%s: %s. Check that the API URL in the kubeconfig is "
                "reachable from this host and that the cluster is up." % (" at %s" % url if url else "", cause)
            )
        except CoreException as exc:
            self.fail_json(msg=str(exc))
        self.exit_json(**result)

using System.Text.Json.Nodes;
using Emulator.Kubernetes.Kinds;
using Emulator.Kubernetes.Validation;

namespace Emulator.Kubernetes.Tests;

public class ApiStatusTests
{
    private static readonly KindInfo Deployment = KindRegistry.Default.Resolve("apps/v1", "Deployment");
    private static readonly KindInfo Pod = KindRegistry.Default.Resolve("v1", "Pod");

    [Fact]
    public void Not_found_matches_the_api_server()
    {
        Assert.Equal(
            """{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \"x\" not found","reason":"NotFound","details":{"name":"x","kind":"pods"},"code":404}""",
            JsonTree.ToCompactJson(ApiStatus.NotFound(Pod, "x")));
    }

    [Fact]
    public void Conflict_message_is_kubernetes_wording()
    {
        var status = ApiStatus.Conflict(Deployment, "web");
        Assert.Equal("Operation cannot be fulfilled on deployments.apps \"web\": the object has been modified; please apply your changes to the latest version and try again", JsonTree.GetString(status, "message"));
        Assert.Equal(409, JsonTree.GetInt(status, "code"));
        Assert.Equal("apps", JsonTree.GetString(status, "details", "group"));
    }

    [Fact]
    public void Invalid_carries_causes()
    {
        var error = new InvalidObjectException("apps", "Deployment", "web", [FieldError.Required("spec.selector")]);
        var status = ApiStatus.Invalid(error);
        Assert.Equal(422, JsonTree.GetInt(status, "code"));
        Assert.Equal("Deployment.apps \"web\" is invalid: spec.selector: Required value", JsonTree.GetString(status, "message"));
        Assert.Equal("""[{"reason":"FieldValueRequired","message":"Required value","field":"spec.selector"}]""", JsonTree.ToCompactJson(JsonTree.Get(status, "details", "causes")));
        Assert.Equal("Deployment", JsonTree.GetString(status, "details", "kind"));
    }

    [Fact]
    public void Namespace_errors()
    {
        var ns = KindRegistry.Default.Resolve("v1", "Namespace");
        Assert.Equal("namespaces \"default\" is forbidden: this namespace may not be deleted", JsonTree.GetString(ApiStatus.Forbidden(ns, "default", "this namespace may not be deleted"), "message"));
        Assert.Equal("unable to create new content in namespace x because it is being terminated", JsonTree.GetString(ApiStatus.NamespaceTerminating("x"), "message"));
    }

    [Fact]
    public void Event_names_use_hex_nanoseconds()
    {
        var time = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_123);
        Assert.Equal("web-1." + (1_700_000_000_123L * 1_000_000).ToString("x"), ObjectNames.EventName("web-1", time));
    }
}

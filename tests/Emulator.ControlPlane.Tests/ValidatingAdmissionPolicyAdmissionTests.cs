using System.Text.Json.Nodes;
using Emulator.ControlPlane.Admission;
using Emulator.ControlPlane.Admission.ValidatingAdmissionPolicy;
using Emulator.ControlPlane.Store;

namespace Emulator.ControlPlane.Tests;

/// <summary>
/// ValidatingAdmissionPolicies evaluated by the store's admission: matching, bindings with Deny and Warn, reasons,
/// messages, variables, parameters, match conditions and failure policies, with the API server's wording.
/// </summary>
public sealed class ValidatingAdmissionPolicyAdmissionTests() : ApiStoreTestKit(admission: KubernetesAdmission.Default)
{
    private static readonly ResourceType Policies = ValidatingAdmissionPolicyAdmission.Policies;
    private static readonly ResourceType Bindings = ValidatingAdmissionPolicyAdmission.Bindings;

    private static JsonObject Policy(string name, string spec) => JsonNode.Parse($$"""
        {"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingAdmissionPolicy", "metadata": {"name": "{{name}}"}, "spec": {{spec}}}
        """)!.AsObject();

    private static JsonObject Binding(string name, string policy, string actions = "[\"Deny\"]", string extra = "") => JsonNode.Parse(
        "{\"apiVersion\": \"admissionregistration.k8s.io/v1\", \"kind\": \"ValidatingAdmissionPolicyBinding\", \"metadata\": {\"name\": \"" + name + "\"},"
        + " \"spec\": {\"policyName\": \"" + policy + "\", \"validationActions\": " + actions + extra + "}}")!.AsObject();

    private const string DeploymentRules = """
        "matchConstraints": {"resourceRules": [{"apiGroups": ["apps"], "apiVersions": ["v1"], "operations": ["CREATE", "UPDATE"], "resources": ["deployments"]}]}
        """;

    private static JsonObject Deployment(string name, int replicas, string ns = "default", JsonObject? labels = null)
    {
        var deployment = Object("Deployment", ns, name, new JsonObject
        {
            ["replicas"] = replicas,
            ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = name } },
            ["template"] = new JsonObject
            {
                ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = name } },
                ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "app", ["image"] = "nginx" }) },
            },
        }, labels);
        deployment["apiVersion"] = "apps/v1";
        return deployment;
    }

    private void MaxReplicasPolicy(string validation = """{"expression": "object.spec.replicas <= 5", "message": "replicas must be no greater than 5"}""")
    {
        Ok(new CreateObject(Policies, Policy("max-replicas", $$"""{{{DeploymentRules}}, "validations": [{{validation}}]}""")));
    }

    [Fact]
    public void A_deny_binding_refuses_creates_and_updates_with_the_API_servers_status()
    {
        MaxReplicasPolicy();
        Ok(new CreateObject(Bindings, Binding("max-replicas-binding", "max-replicas")));
        var web = Ok(new CreateObject(Deployments, Deployment("web", 3))).ToJsonObject();

        var refused = Send(new CreateObject(Deployments, Deployment("big", 6))).Error!;
        const string Denial = "ValidatingAdmissionPolicy 'max-replicas' with binding 'max-replicas-binding' denied request: replicas must be no greater than 5";
        Assert.Equal((422, "Invalid", $"deployments.apps \"big\" is forbidden: {Denial}"), (refused.Code, refused.Reason, refused.Message));
        Assert.Equal(("apps", "deployments", "big"), (refused.Group, refused.Kind, refused.Name));
        Assert.Equal([new StatusCause("", Denial, "")], refused.Causes);

        web["spec"]!["replicas"] = 10;
        Assert.Equal($"deployments.apps \"web\" is forbidden: {Denial}", Send(new UpdateObject(Deployments, web)).Error!.Message);
    }

    [Fact]
    public void A_policy_on_DELETE_sees_the_stored_object_as_oldObject_and_no_object()
    {
        // The classic guard: objects labelled protected cannot be deleted. CREATE is not in the rules, so it passes.
        Ok(new CreateObject(Policies, Policy("keep-protected", """
            {"matchConstraints": {"resourceRules": [{"apiGroups": [""], "apiVersions": ["v1"], "operations": ["DELETE"], "resources": ["configmaps"]}]},
             "validations": [{"expression": "object == null && request.operation == 'DELETE' && request.options.kind == 'DeleteOptions' && !(has(oldObject.metadata.labels) && 'protected' in oldObject.metadata.labels)",
                              "messageExpression": "oldObject.metadata.name + ' is protected'", "reason": "Forbidden"}]}
            """)));
        Ok(new CreateObject(Bindings, Binding("keep-protected-binding", "keep-protected")));
        Ok(new CreateObject(ConfigMaps, Object("ConfigMap", "default", "settings", labels: new JsonObject { ["protected"] = "yes" })));
        Ok(new CreateObject(ConfigMaps, Object("ConfigMap", "default", "scratch")));

        var refused = Send(new DeleteObject(ConfigMaps, "default", "settings", new DeleteOptions())).Error!;
        Assert.Equal((403, "Forbidden"), (refused.Code, refused.Reason));
        Assert.Equal("configmaps \"settings\" is forbidden: ValidatingAdmissionPolicy 'keep-protected' with binding 'keep-protected-binding' denied request: settings is protected", refused.Message);
        Assert.True(Send(new GetObject(ConfigMaps, "default", "settings")).IsSuccess);
        Ok(new DeleteObject(ConfigMaps, "default", "scratch", new DeleteOptions()));
        Assert.Equal(404, Send(new GetObject(ConfigMaps, "default", "scratch")).Error!.Code);
    }

    [Fact]
    public void The_request_says_whether_the_write_is_a_dry_run()
    {
        Ok(new CreateObject(Policies, Policy("no-dry-runs", """
            {"matchConstraints": {"resourceRules": [{"apiGroups": [""], "apiVersions": ["v1"], "operations": ["CREATE", "DELETE"], "resources": ["configmaps"]}]},
             "validations": [{"expression": "!request.dryRun", "message": "dry runs are not allowed here"}]}
            """)));
        Ok(new CreateObject(Bindings, Binding("no-dry-runs-binding", "no-dry-runs")));
        Assert.EndsWith("denied request: dry runs are not allowed here", Send(new CreateObject(ConfigMaps, Object("ConfigMap", "default", "trial"), DryRun: true)).Error!.Message);
        Ok(new CreateObject(ConfigMaps, Object("ConfigMap", "default", "real")));
        Assert.EndsWith("denied request: dry runs are not allowed here", Send(new DeleteObject(ConfigMaps, "default", "real", new DeleteOptions(DryRun: true))).Error!.Message);
        Ok(new DeleteObject(ConfigMaps, "default", "real", new DeleteOptions()));
    }

    [Fact]
    public void Without_a_binding_or_for_other_resources_nothing_is_enforced()
    {
        MaxReplicasPolicy();
        Ok(new CreateObject(Deployments, Deployment("unbound", 9)));
        Ok(new CreateObject(Bindings, Binding("max-replicas-binding", "max-replicas")));
        Ok(new CreateObject(ConfigMaps, Object("ConfigMap", "default", "other")));
    }

    [Fact]
    public void Reason_message_expression_and_variables_shape_the_denial()
    {
        MaxReplicasPolicy("""
            {"expression": "variables.replicas <= 5", "reason": "Forbidden",
             "messageExpression": "'replicas ' + string(variables.replicas) + ' exceed ' + string(5)"}], "variables": [{"name": "replicas", "expression": "object.spec.replicas"}
            """);
        Ok(new CreateObject(Bindings, Binding("max-replicas-binding", "max-replicas")));
        var refused = Send(new CreateObject(Deployments, Deployment("big", 7))).Error!;
        Assert.Equal((403, "Forbidden"), (refused.Code, refused.Reason));
        Assert.EndsWith("denied request: replicas 7 exceed 5", refused.Message);
    }

    [Fact]
    public void Without_a_message_the_failed_expression_is_reported()
    {
        MaxReplicasPolicy("""{"expression": "object.spec.replicas <= 5"}""");
        Ok(new CreateObject(Bindings, Binding("max-replicas-binding", "max-replicas")));
        Assert.EndsWith("denied request: failed expression: object.spec.replicas <= 5", Send(new CreateObject(Deployments, Deployment("big", 7))).Error!.Message);
    }

    [Fact]
    public void A_warn_binding_admits_the_write_with_a_warning()
    {
        MaxReplicasPolicy();
        Ok(new CreateObject(Bindings, Binding("max-replicas-warn", "max-replicas", "[\"Warn\", \"Audit\"]")));
        var reply = Send(new CreateObject(Deployments, Deployment("big", 6)));
        Assert.True(reply.IsSuccess);
        Assert.Equal(["Validation failed for ValidatingAdmissionPolicy 'max-replicas' with binding 'max-replicas-warn': replicas must be no greater than 5"], reply.Warnings);
        Assert.Empty(Send(new CreateObject(Deployments, Deployment("small", 1))).Warnings);
    }

    [Fact]
    public void Parameters_come_from_the_object_the_binding_references()
    {
        Ok(new CreateObject(Policies, Policy("max-replicas", $$"""
            {{{DeploymentRules}}, "paramKind": {"apiVersion": "v1", "kind": "ConfigMap"},
             "validations": [{"expression": "object.spec.replicas <= int(params.data.maxReplicas)", "messageExpression": "'at most ' + params.data.maxReplicas"}]}
            """)));
        Ok(new CreateObject(Bindings, Binding("max-replicas-binding", "max-replicas", extra: """
            , "paramRef": {"name": "limits", "parameterNotFoundAction": "Deny"}
            """)));
        Assert.Equal("deployments.apps \"web\" is forbidden: ValidatingAdmissionPolicy 'max-replicas' with binding 'max-replicas-binding' denied request: "
            + "failed to configure binding: no params found for policy binding with `Deny` parameterNotFoundAction",
            Send(new CreateObject(Deployments, Deployment("web", 1))).Error!.Message);

        var limits = Object("ConfigMap", "default", "limits");
        limits["data"] = new JsonObject { ["maxReplicas"] = "2" };
        Ok(new CreateObject(ConfigMaps, limits));
        Ok(new CreateObject(Deployments, Deployment("web", 2)));
        Assert.EndsWith("denied request: at most 2", Send(new CreateObject(Deployments, Deployment("big", 3))).Error!.Message);
    }

    [Fact]
    public void Match_conditions_selectors_and_exclusions_narrow_what_is_validated()
    {
        Ok(new CreateObject(Policies, Policy("max-replicas", """
            {"matchConstraints": {"resourceRules": [{"apiGroups": ["*"], "apiVersions": ["*"], "operations": ["*"], "resources": ["*"]}],
               "excludeResourceRules": [{"apiGroups": [""], "apiVersions": ["*"], "operations": ["*"], "resources": ["configmaps"]}],
               "namespaceSelector": {"matchLabels": {"policy": "strict"}}},
             "matchConditions": [{"name": "not-exempt", "expression": "!has(object.metadata.labels) || !('exempt' in object.metadata.labels)"}],
             "validations": [{"expression": "object.kind != 'Deployment' || object.spec.replicas <= 5"}, {"expression": "object.kind != 'ConfigMap'"}]}
            """)));
        Ok(new CreateObject(Bindings, Binding("max-replicas-binding", "max-replicas")));
        Ok(new CreateObject(Namespaces, Object("Namespace", null, "strict", labels: new JsonObject { ["policy"] = "strict" })));
        Ok(new CreateObject(Namespaces, Object("Namespace", null, "lax")));

        Assert.False(Send(new CreateObject(Deployments, Deployment("big", 6, "strict"))).IsSuccess);
        Ok(new CreateObject(Deployments, Deployment("big", 6, "lax")));
        Ok(new CreateObject(Deployments, Deployment("exempt", 6, "strict", new JsonObject { ["exempt"] = "yes" })));
        Ok(new CreateObject(ConfigMaps, Object("ConfigMap", "strict", "excluded")));
    }

    [Fact]
    public void Evaluation_and_compilation_errors_follow_the_failure_policy()
    {
        Ok(new CreateObject(Policies, Policy("strict", $$"""{{{DeploymentRules}}, "validations": [{"expression": "object.spec.missing == 1"}]}""")));
        Ok(new CreateObject(Bindings, Binding("strict-binding", "strict")));
        Assert.StartsWith("deployments.apps \"web\" is forbidden: ValidatingAdmissionPolicy 'strict' with binding 'strict-binding' denied request: "
            + "expression 'object.spec.missing == 1' resulted in error: ", Send(new CreateObject(Deployments, Deployment("web", 1))).Error!.Message);

        Ok(new CreateObject(Policies, Policy("lenient", $$"""{{{DeploymentRules}}, "failurePolicy": "Ignore", "validations": [{"expression": "object.spec.missing == 1"}]}""")));
        Ok(new CreateObject(Bindings, Binding("lenient-binding", "lenient")));
        Send(new DeleteObject(Bindings, null, "strict-binding", new DeleteOptions()));
        Ok(new CreateObject(Deployments, Deployment("web", 1)));

        Ok(new CreateObject(Policies, Policy("broken", $$"""{{{DeploymentRules}}, "validations": [{"expression": "object.frobnicate()"}]}""")));
        Ok(new CreateObject(Deployments, Deployment("unbound", 1)));
        Ok(new CreateObject(Bindings, Binding("broken-binding", "broken")));
        Assert.StartsWith("deployments.apps \"other\" is forbidden: ValidatingAdmissionPolicy 'broken' denied request: failed to configure policy: compilation failed: "
            + "ERROR: <input>:1:18: undeclared reference to 'frobnicate' (in container '')", Send(new CreateObject(Deployments, Deployment("other", 1))).Error!.Message);
    }
}

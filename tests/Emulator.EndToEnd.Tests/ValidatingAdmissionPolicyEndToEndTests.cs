namespace Emulator.EndToEnd.Tests;

/// <summary>
/// CEL through the real kubectl 1.33: a ValidatingAdmissionPolicy with a Deny binding refuses Deployments of more than
/// five replicas with Kubernetes' message, a Warn binding makes kubectl print a warning, and CRD rules may use
/// Kubernetes' CEL libraries while a rule calling an unknown function is refused when the CRD is created.
/// </summary>
public sealed class ValidatingAdmissionPolicyEndToEndTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    private static string Policy(string ns) => $$"""
        apiVersion: admissionregistration.k8s.io/v1
        kind: ValidatingAdmissionPolicy
        metadata:
          name: max-replicas-{{ns}}
        spec:
          failurePolicy: Fail
          matchConstraints:
            resourceRules:
            - apiGroups: ["apps"]
              apiVersions: ["v1"]
              operations: ["CREATE", "UPDATE"]
              resources: ["deployments"]
            namespaceSelector:
              matchLabels:
                kubernetes.io/metadata.name: {{ns}}
          validations:
          - expression: "object.spec.replicas <= 5"
            message: replicas must be no greater than 5
        """;

    private static string Binding(string ns, string name, string action) => $"""
        apiVersion: admissionregistration.k8s.io/v1
        kind: ValidatingAdmissionPolicyBinding
        metadata:
          name: {name}
        spec:
          policyName: max-replicas-{ns}
          validationActions: [{action}]
        """;

    [Fact]
    public async Task A_policy_denies_or_warns_as_its_binding_says()
    {
        var kubectl = cluster.NewClient("1.33");
        async Task<KubectlResult> Ok(params string[] args) => (await kubectl.Run(args)).Succeeded();
        const string Deny = "vap-deny";
        const string Warn = "vap-warn";
        await Ok("create", "namespace", Deny);
        await Ok("create", "namespace", Warn);
        (await kubectl.RunWithInput(Policy(Deny) + "\n---\n" + Binding(Deny, "max-replicas-binding", "Deny"), "apply", "-f", "-")).Succeeded();
        (await kubectl.RunWithInput(Policy(Warn) + "\n---\n" + Binding(Warn, "max-replicas-warn", "Warn"), "apply", "-f", "-")).Succeeded();

        await Ok("create", "deployment", "small", "--image=nginx", "--replicas=2", "-n", Deny);
        var denied = await kubectl.Run("create", "deployment", "big", "--image=nginx", "--replicas=6", "-n", Deny);
        Assert.NotEqual(0, denied.ExitCode);
        Assert.Contains("error: failed to create deployment: deployments.apps \"big\" is forbidden: ValidatingAdmissionPolicy 'max-replicas-vap-deny' "
            + "with binding 'max-replicas-binding' denied request: replicas must be no greater than 5", denied.Stderr);
        var scaled = await kubectl.Run("patch", "deployment", "small", "-n", Deny, "-p", """{"spec":{"replicas":9}}""");
        Assert.NotEqual(0, scaled.ExitCode);
        // kubectl prints each cause as "FIELD: MESSAGE"; the API server's cause has no field.
        Assert.Contains("The deployments \"small\" is invalid: : ValidatingAdmissionPolicy 'max-replicas-vap-deny' with binding 'max-replicas-binding' denied request: replicas must be no greater than 5", scaled.Stderr);

        var warned = (await Ok("create", "deployment", "big", "--image=nginx", "--replicas=6", "-n", Warn));
        Assert.Contains("deployment.apps/big created", warned.Stdout);
        Assert.Contains("Warning: Validation failed for ValidatingAdmissionPolicy 'max-replicas-vap-warn' with binding 'max-replicas-warn': replicas must be no greater than 5", warned.Stderr);
    }

    [Fact]
    public async Task A_policy_on_DELETE_keeps_a_protected_namespace()
    {
        var kubectl = cluster.NewClient("1.33");
        (await kubectl.RunWithInput("""
            apiVersion: admissionregistration.k8s.io/v1
            kind: ValidatingAdmissionPolicy
            metadata:
              name: protect-namespaces
            spec:
              matchConstraints:
                resourceRules:
                - apiGroups: [""]
                  apiVersions: ["v1"]
                  operations: ["DELETE"]
                  resources: ["namespaces"]
                objectSelector:
                  matchLabels:
                    protected: "true"
              validations:
              - expression: "false"
                messageExpression: "'namespace ' + oldObject.metadata.name + ' is protected'"
                reason: Forbidden
            ---
            apiVersion: admissionregistration.k8s.io/v1
            kind: ValidatingAdmissionPolicyBinding
            metadata:
              name: protect-namespaces
            spec:
              policyName: protect-namespaces
              validationActions: [Deny]
            """, "apply", "-f", "-")).Succeeded();
        (await kubectl.Run("create", "namespace", "vap-keep")).Succeeded();
        (await kubectl.Run("label", "namespace", "vap-keep", "protected=true")).Succeeded();
        (await kubectl.Run("create", "namespace", "vap-scratch")).Succeeded();

        var refused = await kubectl.Run("delete", "namespace", "vap-keep");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("Error from server (Forbidden): namespaces \"vap-keep\" is forbidden: ValidatingAdmissionPolicy 'protect-namespaces' with binding 'protect-namespaces' denied request: namespace vap-keep is protected", refused.Stderr);
        Assert.Contains("Active", (await kubectl.Run("get", "namespace", "vap-keep", "--no-headers")).Succeeded().Stdout);
        Assert.Contains("namespace \"vap-scratch\" deleted", (await kubectl.Run("delete", "namespace", "vap-scratch", "--wait=false")).Succeeded().Stdout);
        (await kubectl.Run("delete", "validatingadmissionpolicybinding", "protect-namespaces")).Succeeded();
    }

    [Fact]
    public async Task A_policy_sees_the_requesting_user()
    {
        var kubectl = cluster.NewClient("1.33");
        (await kubectl.RunWithInput("""
            apiVersion: admissionregistration.k8s.io/v1
            kind: ValidatingAdmissionPolicy
            metadata:
              name: admins-only
            spec:
              matchConstraints:
                resourceRules:
                - apiGroups: [""]
                  apiVersions: ["v1"]
                  operations: ["CREATE"]
                  resources: ["secrets"]
                namespaceSelector:
                  matchLabels:
                    kubernetes.io/metadata.name: vap-user
              validations:
              - expression: "'system:masters' in request.userInfo.groups"
                messageExpression: "request.userInfo.username + ' may not create secrets'"
                reason: Forbidden
            ---
            apiVersion: admissionregistration.k8s.io/v1
            kind: ValidatingAdmissionPolicyBinding
            metadata:
              name: admins-only
            spec:
              policyName: admins-only
              validationActions: [Deny]
            """, "apply", "-f", "-")).Succeeded();
        (await kubectl.Run("create", "namespace", "vap-user")).Succeeded();
        (await kubectl.Run("create", "secret", "generic", "mine", "-n", "vap-user", "--from-literal=a=b")).Succeeded();
        // RBAC lets developers write there; the policy is what refuses jane.
        (await kubectl.Run("create", "rolebinding", "developers-edit", "-n", "vap-user", "--clusterrole", "edit", "--group", "developers")).Succeeded();
        var refused = await kubectl.Run("create", "secret", "generic", "theirs", "-n", "vap-user", "--from-literal=a=b", "--as", "jane", "--as-group", "developers");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("secrets \"theirs\" is forbidden: ValidatingAdmissionPolicy 'admins-only' with binding 'admins-only' denied request: jane may not create secrets", refused.Stderr);
    }

    [Fact]
    public async Task CRD_rules_use_Kubernetes_libraries_and_unknown_functions_are_refused()
    {
        var kubectl = cluster.NewClient("1.33");
        const string Group = "cel-e2e.example.com";
        string Crd(string rule) => $$"""
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata:
              name: endpoints.{{Group}}
            spec:
              group: {{Group}}
              scope: Namespaced
              names: {plural: endpoints, singular: endpoint, kind: Endpoint}
              versions:
              - name: v1
                served: true
                storage: true
                schema:
                  openAPIV3Schema:
                    type: object
                    properties:
                      spec:
                        type: object
                        x-kubernetes-validations:
                        - rule: "{{rule}}"
                          message: needs an https URL and a quantity of at least 1Gi
                        properties:
                          url: {type: string}
                          size: {type: string}
            """;
        var refused = await kubectl.RunWithInput(Crd("self.url.frobnicate()"), "apply", "-f", "-");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("spec.validation.openAPIV3Schema.properties[spec].x-kubernetes-validations[0].rule: Invalid value: ", refused.Stderr);
        Assert.Contains("compilation failed: ERROR: <input>:1:20: undeclared reference to 'frobnicate' (in container '')", refused.Stderr);

        (await kubectl.RunWithInput(Crd("isURL(self.url) && url(self.url).getScheme() == 'https' && quantity(self.size).compareTo(quantity('1Gi')) >= 0"), "apply", "-f", "-")).Succeeded();
        (await kubectl.Run("wait", "--for", "condition=established", $"crd/endpoints.{Group}", "--timeout=30s")).Succeeded();
        string Endpoint(string name, string url, string size) => $"""
            apiVersion: {Group}/v1
            kind: Endpoint
            metadata: {"{"}name: {name}, namespace: default{"}"}
            spec: {"{"}url: "{url}", size: "{size}"{"}"}
            """;
        Assert.Contains("created", (await kubectl.RunWithInput(Endpoint("good", "https://example.com/x", "2Gi"), "apply", "-f", "-")).Succeeded().Stdout);
        var bad = await kubectl.RunWithInput(Endpoint("bad", "http://example.com/x", "512Mi"), "apply", "-f", "-");
        Assert.NotEqual(0, bad.ExitCode);
        Assert.Contains("spec: Invalid value: \"object\": needs an https URL and a quantity of at least 1Gi", bad.Stderr);
    }
}

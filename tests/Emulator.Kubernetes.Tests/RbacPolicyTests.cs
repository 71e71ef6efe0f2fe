using System.Text.Json.Nodes;
using Emulator.Kubernetes.Authorization;

namespace Emulator.Kubernetes.Tests;

/// <summary>RBAC's rule matching and subject resolution, as the API server's RBAC authorizer decides.</summary>
public sealed class RbacPolicyTests
{
    private static JsonObject Parse(string json) => JsonNode.Parse(json)!.AsObject();

    private static AccessAttributes Resource(string user, string verb, string group, string resource, string ns = "", string name = "", string subresource = "", params string[] groups) =>
        new(user, groups, verb, true, group, resource, subresource, ns, name);

    private static readonly RbacPolicy Policy = new(
        [
            Parse("""{"metadata":{"name":"probes"},"rules":[{"nonResourceURLs":["/healthz","/metrics/*"],"verbs":["get"]}]}"""),
            Parse("""{"metadata":{"name":"scaler"},"rules":[{"apiGroups":["*"],"resources":["*/scale"],"verbs":["get","update"]}]}"""),
        ],
        [
            Parse("""{"metadata":{"name":"monitoring"},"roleRef":{"kind":"ClusterRole","name":"probes"},"subjects":[{"kind":"Group","name":"monitors"}]}"""),
        ],
        [
            Parse("""{"metadata":{"name":"web-reader","namespace":"shop"},"rules":[{"apiGroups":["apps"],"resources":["deployments"],"resourceNames":["web"],"verbs":["get"]}]}"""),
        ],
        [
            // A ServiceAccount subject without a namespace is the binding's namespace's.
            Parse("""{"metadata":{"name":"ci-reads","namespace":"shop"},"roleRef":{"kind":"Role","name":"web-reader"},"subjects":[{"kind":"ServiceAccount","name":"ci"}]}"""),
            Parse("""{"metadata":{"name":"autoscaler","namespace":"shop"},"roleRef":{"kind":"ClusterRole","name":"scaler"},"subjects":[{"kind":"User","name":"hpa"}]}"""),
        ]);

    [Fact]
    public void Non_resource_paths_match_exactly_or_by_a_trailing_star()
    {
        AccessAttributes Path(string path) => new("prom", ["monitors"], "get", false, Path: path);
        Assert.True(Policy.Authorize(Path("/healthz")).Allowed);
        Assert.True(Policy.Authorize(Path("/metrics/slis")).Allowed);
        Assert.False(Policy.Authorize(Path("/metrics")).Allowed);
        Assert.False(Policy.Authorize(Path("/healthz/etcd")).Allowed);
        Assert.False(Policy.Authorize(new AccessAttributes("prom", ["monitors"], "post", false, Path: "/healthz")).Allowed);
        Assert.Equal("RBAC: allowed by ClusterRoleBinding \"monitoring\" of ClusterRole \"probes\" to Group \"monitors\"", Policy.Authorize(Path("/healthz")).Reason);
    }

    [Fact]
    public void Service_accounts_names_subresources_and_namespaces_are_matched_as_rbac_does()
    {
        var ci = "system:serviceaccount:shop:ci";
        var allowed = Policy.Authorize(Resource(ci, "get", "apps", "deployments", "shop", "web"));
        Assert.Equal((true, "RBAC: allowed by RoleBinding \"ci-reads/shop\" of Role \"web-reader\" to ServiceAccount \"ci/shop\""), (allowed.Allowed, allowed.Reason));
        Assert.False(Policy.Authorize(Resource(ci, "get", "apps", "deployments", "shop", "api")).Allowed);
        Assert.False(Policy.Authorize(Resource(ci, "list", "apps", "deployments", "shop")).Allowed);
        Assert.False(Policy.Authorize(Resource("system:serviceaccount:other:ci", "get", "apps", "deployments", "shop", "web")).Allowed);
        Assert.False(Policy.Authorize(Resource(ci, "get", "apps", "deployments", "", "web")).Allowed);

        Assert.True(Policy.Authorize(Resource("hpa", "update", "apps", "deployments", "shop", "web", "scale")).Allowed);
        Assert.True(Policy.Authorize(Resource("hpa", "get", "", "replicationcontrollers", "shop", "db", "scale")).Allowed);
        Assert.False(Policy.Authorize(Resource("hpa", "update", "apps", "deployments", "shop", "web")).Allowed);
        Assert.False(Policy.Authorize(Resource("hpa", "update", "apps", "deployments", "shop", "web", "status")).Allowed);
    }

    [Fact]
    public void Rules_a_user_holds_are_collected_cluster_wide_first_and_coverage_names_what_is_missing()
    {
        var (rules, errors) = Policy.RulesFor("hpa", [], "shop");
        Assert.Empty(errors);
        Assert.Equal(["*/scale"], rules.Single().Resources);
        var missing = RuleCoverage.Missing(rules, [new PolicyRule(["get", "delete"], ["apps"], ["deployments/scale", "deployments"], [], [])]);
        Assert.Equal("user \"hpa\" (groups=[]) is attempting to grant RBAC permissions not currently held:\n"
            + "{APIGroups:[\"apps\"], Resources:[\"deployments\"], Verbs:[\"get\" \"delete\"]}\n{APIGroups:[\"apps\"], Resources:[\"deployments/scale\"], Verbs:[\"delete\"]}",
            RuleCoverage.EscalationMessage("hpa", [], missing));
    }
}

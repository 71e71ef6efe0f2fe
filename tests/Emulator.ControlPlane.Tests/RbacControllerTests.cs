using System.Text.Json.Nodes;
using Akka.Actor;
using Emulator.ControlPlane.ClusterRoleAggregation;
using Emulator.ControlPlane.RbacBootstrap;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;

namespace Emulator.ControlPlane.Tests;

/// <summary>
/// RBAC in the control plane: the API server's bootstrap roles and bindings, the ClusterRole aggregation controller,
/// and the storage's escalation prevention.
/// </summary>
public sealed class RbacControllerTests : ClusterTestKit
{

    private static JsonObject Parse(string json) => JsonNode.Parse(json)!.AsObject();

    private static JsonObject Jane => new() { ["username"] = "jane", ["groups"] = new JsonArray("system:authenticated") };

    private static List<string> RuleResources(KubeObject role) =>
        JsonTree.Objects(JsonTree.GetArray(role.Document, "rules")).SelectMany(r => JsonTree.GetArray(r, "resources") ?? []).Select(JsonTree.AsString).OfType<string>().ToList();

    private void StartRbacControllers()
    {
        Sys.ActorOf(Props.Create(() => new RbacBootstrapController(Store, Hub)), "rbac-bootstrap");
        Sys.ActorOf(Props.Create(() => new ClusterRoleAggregationController(Store, Hub, null)), "clusterrole-aggregation");
        Settle();
    }

    [Fact]
    public void The_bootstrap_policy_is_created_at_start_and_autoupdated_objects_get_what_they_lack()
    {
        // Before the start: a cluster-admin binding someone trimmed, and an edited role that opted out of updates.
        Ok(new CreateObject(ResourceTypes.ClusterRoleBindings, Parse("""
            {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRoleBinding","metadata":{"name":"cluster-admin","annotations":{"rbac.authorization.kubernetes.io/autoupdate":"true"}},
             "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"cluster-admin"},
             "subjects":[{"apiGroup":"rbac.authorization.k8s.io","kind":"User","name":"ops"}]}
            """)));
        Ok(new CreateObject(ResourceTypes.ClusterRoles, Parse("""
            {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"system:heapster","annotations":{"rbac.authorization.kubernetes.io/autoupdate":"false"}},
             "rules":[{"apiGroups":[""],"resources":["pods"],"verbs":["get"]}]}
            """)));
        StartRbacControllers();

        Assert.Equal(BootstrapPolicy.ClusterRoles.Count, Request<ListReply>(new ListObjects(ResourceTypes.ClusterRoles, null)).Items.Count);
        Assert.Equal(BootstrapPolicy.ClusterRoleBindings.Count, Request<ListReply>(new ListObjects(ResourceTypes.ClusterRoleBindings, null)).Items.Count);
        Assert.Equal(6, Request<ListReply>(new ListObjects(ResourceTypes.Roles, "kube-system")).Items.Count);
        Assert.Single(Request<ListReply>(new ListObjects(ResourceTypes.RoleBindings, "kube-public")).Items);
        var admin = Get(ResourceTypes.ClusterRoleBindings, null, "cluster-admin");
        Assert.Equal(["User/ops", "Group/system:masters"], JsonTree.Objects(JsonTree.GetArray(admin.Document, "subjects")).Select(s => $"{JsonTree.GetString(s, "kind")}/{JsonTree.GetString(s, "name")}"));
        Assert.Equal(["pods"], RuleResources(Get(ResourceTypes.ClusterRoles, null, "system:heapster")));
        Assert.Equal("rbac-defaults", JsonTree.GetString(Get(ResourceTypes.ClusterRoles, null, "view").Document, "metadata", "labels", "kubernetes.io/bootstrapping"));

        // Runs once per start: a bootstrap role deleted afterwards stays deleted.
        Ok(new DeleteObject(ResourceTypes.ClusterRoles, null, "system:kube-dns", new DeleteOptions()));
        Settle();
        Assert.False(Send(new GetObject(ResourceTypes.ClusterRoles, null, "system:kube-dns")).IsSuccess);
    }

    [Fact]
    public void Aggregated_roles_hold_the_rules_of_the_roles_their_selectors_match()
    {
        StartRbacControllers();
        // view, edit and admin are filled from the aggregate-to-* roles, each level adding to the next.
        var view = RuleResources(Get(ResourceTypes.ClusterRoles, null, "view"));
        Assert.Contains("pods/log", view);
        Assert.DoesNotContain("secrets", view);
        Assert.Contains("secrets", RuleResources(Get(ResourceTypes.ClusterRoles, null, "edit")));
        Assert.Contains("pods/log", RuleResources(Get(ResourceTypes.ClusterRoles, null, "edit")));
        Assert.Contains("rolebindings", RuleResources(Get(ResourceTypes.ClusterRoles, null, "admin")));

        // A CRD's role labelled aggregate-to-view reaches view, edit and admin; unlabelled, it leaves them.
        Ok(new CreateObject(ResourceTypes.ClusterRoles, Parse("""
            {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"widgets-view","labels":{"rbac.authorization.k8s.io/aggregate-to-view":"true"}},
             "rules":[{"apiGroups":["example.com"],"resources":["widgets"],"verbs":["get","list","watch"]}]}
            """)));
        Settle();
        Assert.All(new[] { "view", "edit", "admin" }, name => Assert.Contains("widgets", RuleResources(Get(ResourceTypes.ClusterRoles, null, name))));
        var unlabelled = Get(ResourceTypes.ClusterRoles, null, "widgets-view").Document.DeepClone().AsObject();
        unlabelled["metadata"]!.AsObject().Remove("labels");
        Ok(new UpdateObject(ResourceTypes.ClusterRoles, unlabelled));
        Settle();
        Assert.All(new[] { "view", "edit", "admin" }, name => Assert.DoesNotContain("widgets", RuleResources(Get(ResourceTypes.ClusterRoles, null, name))));
    }

    [Fact]
    public void A_user_may_grant_only_what_the_user_holds()
    {
        StartRbacControllers();
        Ok(new CreateObject(ResourceTypes.RoleBindings, Parse("""
            {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{"name":"jane-admin","namespace":"default"},
             "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"admin"},
             "subjects":[{"apiGroup":"rbac.authorization.k8s.io","kind":"User","name":"jane"}]}
            """)));

        // What admin holds in default may be put in a role there; nodes (cluster-scoped, not held) may not.
        var held = Send(new CreateObject(ResourceTypes.Roles, Parse("""
            {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"Role","metadata":{"name":"pod-reader","namespace":"default"},"rules":[{"apiGroups":[""],"resources":["pods"],"verbs":["get","list"]}]}
            """)) { UserInfo = Jane });
        Assert.True(held.IsSuccess, held.Error?.Message);
        var escalation = Send(new CreateObject(ResourceTypes.Roles, Parse("""
            {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"Role","metadata":{"name":"node-reader","namespace":"default"},
             "rules":[{"apiGroups":[""],"resources":["pods","nodes"],"verbs":["get","list"]},{"apiGroups":["apps"],"resources":["deployments"],"resourceNames":["web"],"verbs":["escalate"]}]}
            """)) { UserInfo = Jane });
        Assert.Equal(403, escalation.Error!.Code);
        Assert.Equal("roles.rbac.authorization.k8s.io \"node-reader\" is forbidden: user \"jane\" (groups=[\"system:authenticated\"]) is attempting to grant RBAC permissions not currently held:\n"
            + "{APIGroups:[\"\"], Resources:[\"nodes\"], Verbs:[\"get\" \"list\"]}\n{APIGroups:[\"apps\"], Resources:[\"deployments\"], ResourceNames:[\"web\"], Verbs:[\"escalate\"]}", escalation.Error.Message);

        // Binding cluster-admin in default takes more than admin; the bind verb on that role lifts the check.
        JsonObject BindClusterAdmin() => Parse("""
            {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{"name":"bob-root","namespace":"default"},
             "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"cluster-admin"},
             "subjects":[{"apiGroup":"rbac.authorization.k8s.io","kind":"User","name":"bob"}]}
            """);
        var binding = Send(new CreateObject(ResourceTypes.RoleBindings, BindClusterAdmin()) { UserInfo = Jane });
        Assert.Equal(403, binding.Error!.Code);
        Assert.StartsWith("rolebindings.rbac.authorization.k8s.io \"bob-root\" is forbidden: user \"jane\"", binding.Error.Message, StringComparison.Ordinal);
        Ok(new CreateObject(ResourceTypes.ClusterRoles, Parse("""
            {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"bind-cluster-admin"},
             "rules":[{"apiGroups":["rbac.authorization.k8s.io"],"resources":["clusterroles"],"resourceNames":["cluster-admin"],"verbs":["bind"]}]}
            """)));
        Ok(new CreateObject(ResourceTypes.RoleBindings, Parse("""
            {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{"name":"jane-binds","namespace":"default"},
             "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"bind-cluster-admin"},
             "subjects":[{"apiGroup":"rbac.authorization.k8s.io","kind":"User","name":"jane"}]}
            """)));
        var bound = Send(new CreateObject(ResourceTypes.RoleBindings, BindClusterAdmin()) { UserInfo = Jane });
        Assert.True(bound.IsSuccess, bound.Error?.Message);

        // An aggregation rule takes escalate; system:masters may do anything.
        var aggregated = Send(new CreateObject(ResourceTypes.ClusterRoles, Parse("""
            {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"everything"},"aggregationRule":{"clusterRoleSelectors":[{"matchLabels":{"x":"y"}}]}}
            """)) { UserInfo = Jane });
        Assert.Equal("clusterroles.rbac.authorization.k8s.io \"everything\" is forbidden: must have cluster-admin privileges to use the aggregationRule", aggregated.Error!.Message);
        var root = new JsonObject { ["username"] = "root", ["groups"] = new JsonArray("system:masters") };
        Assert.True(Send(new CreateObject(ResourceTypes.ClusterRoles, Parse("""
            {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"everything"},"aggregationRule":{"clusterRoleSelectors":[{"matchLabels":{"x":"y"}}]}}
            """)) { UserInfo = root }).IsSuccess);
    }
}

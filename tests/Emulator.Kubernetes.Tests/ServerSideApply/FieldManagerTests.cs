using System.Text.Json.Nodes;
using Emulator.Kubernetes.Schema;
using Emulator.Kubernetes.ServerSideApply;

namespace Emulator.Kubernetes.Tests.ServerSideApply;

public class FieldManagerTests
{
    private const string T0 = "2025-01-01T00:00:00Z";
    private const string T1 = "2025-01-01T00:01:00Z";
    private const string T2 = "2025-01-01T00:02:00Z";

    private static readonly FieldManager Deployments = new(ApplyType.ForStruct(FieldSchema.Default.Find("Deployment")!), "apps/v1", "Deployment");
    private static readonly FieldFilter Main = FieldFilter.Excluding(FieldPath.Fields("status"));
    private static readonly FieldFilter Status = FieldFilter.KeepingOnly(FieldPath.Fields("status"));
    private static readonly FieldFilter Scale = FieldFilter.KeepingOnly(FieldPath.Fields("spec", "replicas"));

    private static JsonObject Json(string text) => JsonNode.Parse(text)!.AsObject();

    private static JsonObject Config(int replicas = 2, string image = "nginx:1.27", string labels = "\"app\":\"web\"") => Json(
        "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"web\",\"namespace\":\"default\",\"labels\":{" + labels + "}},"
        + "\"spec\":{\"replicas\":" + replicas + ",\"selector\":{\"matchLabels\":{\"app\":\"web\"}},"
        + "\"template\":{\"metadata\":{\"labels\":{\"app\":\"web\"}},\"spec\":{\"containers\":[{\"name\":\"nginx\",\"image\":\"" + image + "\"}]}}}}");

    /// <summary>What the store keeps after a create: identity metadata set.</summary>
    private static JsonObject Stored(JsonObject obj)
    {
        var copy = (JsonObject)obj.DeepClone();
        copy["metadata"]!["uid"] = "uid-1";
        copy["metadata"]!["resourceVersion"] = "1";
        return copy;
    }

    private static JsonArray Entries(JsonObject obj) => (JsonArray)obj["metadata"]!["managedFields"]!;

    private static JsonObject Entry(JsonObject obj, string manager, string operation = "Update") =>
        Entries(obj).OfType<JsonObject>().Single(e => (string?)e["manager"] == manager && (string?)e["operation"] == operation);

    private static string Fields(JsonObject entry) => entry["fieldsV1"]!.ToJsonString(JsonTree.CompactOptions);

    [Fact]
    public void A_create_records_the_creator_as_the_api_server_does_value_structs_without_dot()
    {
        var created = Json("""
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"default","labels":{"app":"web"}},
             "spec":{"replicas":1,"selector":{"matchLabels":{"app":"web"}},
              "strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":"25%","maxUnavailable":"25%"}},
              "template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"nginx","image":"nginx","resources":{}}],"restartPolicy":"Always"}}},
             "status":{}}
            """);

        Deployments.Update(null, created, "kubectl-create", "", Main, T0);

        var entry = Assert.Single(Entries(created))!.AsObject();
        Assert.Equal("""{"manager":"kubectl-create","operation":"Update","apiVersion":"apps/v1","time":"2025-01-01T00:00:00Z","fieldsType":"FieldsV1"}""",
            new JsonObject(entry.Where(p => p.Key != "fieldsV1").Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone()))).ToJsonString(JsonTree.CompactOptions));
        Assert.Equal(
            """{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:replicas":{},"f:selector":{},"f:strategy":{"f:rollingUpdate":{".":{},"f:maxSurge":{},"f:maxUnavailable":{}},"f:type":{}},"f:template":{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"nginx\"}":{".":{},"f:image":{},"f:name":{},"f:resources":{}}},"f:restartPolicy":{}}}}}""",
            Fields(entry));
    }

    [Fact]
    public void Applying_creates_one_apply_entry_with_exactly_the_applied_fields()
    {
        var created = Deployments.Apply(null, Config(), "kubectl", force: false, "", Main, T0);

        var entry = Entry(created, "kubectl", "Apply");
        Assert.Null(entry["subresource"]);
        Assert.Equal(T0, (string?)entry["time"]);
        Assert.Equal(
            """{"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:replicas":{},"f:selector":{},"f:template":{"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"nginx\"}":{".":{},"f:image":{},"f:name":{}}}}}}}""",
            Fields(entry));
        Assert.Equal(2, JsonTree.GetInt(created, "spec", "replicas"));
    }

    [Fact]
    public void Reapplying_the_same_configuration_changes_nothing_and_keeps_the_time()
    {
        var live = Stored(Deployments.Apply(null, Config(), "kubectl", false, "", Main, T0));
        var again = Deployments.Apply(live, Config(), "kubectl", false, "", Main, T1);
        Assert.True(JsonTree.DeepEquals(live, again));
    }

    [Fact]
    public void A_field_no_longer_applied_is_removed_unless_another_manager_owns_it()
    {
        var live = Stored(Deployments.Apply(null, Config(labels: "\"app\":\"web\",\"tier\":\"front\",\"team\":\"a\""), "kubectl", false, "", Main, T0));
        // Another applier sets the same team label: it co-owns it.
        live = Stored(Deployments.Apply(live, Json("""{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","labels":{"team":"a"}}}"""), "ops", false, "", Main, T1));

        var next = Deployments.Apply(live, Config(), "kubectl", false, "", Main, T2);

        Assert.Equal(new Dictionary<string, string> { ["app"] = "web", ["team"] = "a" }, JsonTree.StringMap(next["metadata"]!["labels"]));
        Assert.Equal("""{"f:metadata":{"f:labels":{"f:team":{}}}}""", Fields(Entry(next, "ops", "Apply")));
        Assert.Equal(T2, (string?)Entry(next, "kubectl", "Apply")["time"]);
    }

    [Fact]
    public void Changing_a_field_another_manager_owns_is_a_conflict_unless_forced()
    {
        var live = Stored(Deployments.Apply(null, Config(replicas: 2), "kubectl", false, "", Main, T0));
        var scaled = (JsonObject)live.DeepClone();
        scaled["spec"]!["replicas"] = 5;
        Deployments.Update(live, scaled, "kubectl.1.33", "scale", Scale, now: null);
        var scaleEntry = Entry(scaled, "kubectl.1.33");
        Assert.Equal("scale", (string?)scaleEntry["subresource"]);
        Assert.Null(scaleEntry["time"]);
        Assert.Equal("""{"f:spec":{"f:replicas":{}}}""", Fields(scaleEntry));
        Assert.DoesNotContain("f:replicas", Fields(Entry(scaled, "kubectl", "Apply")));

        var conflict = Assert.Throws<ApplyConflictException>(() => Deployments.Apply(scaled, Config(replicas: 3), "ci", false, "", Main, T1));
        Assert.Equal("Apply failed with 1 conflict: conflict with \"kubectl.1.33\" with subresource \"scale\" using apps/v1: .spec.replicas", conflict.Message);
        Assert.Equal(("FieldManagerConflict", "conflict with \"kubectl.1.33\" with subresource \"scale\" using apps/v1", ".spec.replicas"), Assert.Single(conflict.Causes));

        // Applying the value the field has is no conflict: the field is shared.
        var shared = Deployments.Apply(scaled, Config(replicas: 5), "ci", false, "", Main, T1);
        Assert.Contains("f:replicas", Fields(Entry(shared, "kubectl.1.33")));
        Assert.Contains("f:replicas", Fields(Entry(shared, "ci", "Apply")));

        var forced = Deployments.Apply(scaled, Config(replicas: 3), "ci", true, "", Main, T1);
        Assert.Equal(3, JsonTree.GetInt(forced, "spec", "replicas"));
        Assert.DoesNotContain(Entries(forced), e => (string?)e!["manager"] == "kubectl.1.33");
    }

    [Fact]
    public void Several_conflicts_are_listed_by_manager()
    {
        var live = Stored(Deployments.Apply(null, Config(replicas: 2), "a", false, "", Main, T0));
        var conflict = Assert.Throws<ApplyConflictException>(() => Deployments.Apply(live, Config(replicas: 4, image: "nginx:1.28"), "b", false, "", Main, T1));
        Assert.Equal("Apply failed with 2 conflicts: conflicts with \"a\":\n- .spec.replicas\n- .spec.template.spec.containers[name=\"nginx\"].image", conflict.Message);
        Assert.Equal([".spec.replicas", ".spec.template.spec.containers[name=\"nginx\"].image"], conflict.Causes.Select(c => c.Field));
    }

    [Fact]
    public void Kubectl_taking_over_from_client_side_apply_is_forgiven_conflicts_on_last_applied_values_and_keeps_the_annotation_current()
    {
        var lastApplied = Config().ToJsonString() + "\n";
        var created = Config();
        created["metadata"]!["annotations"] = new JsonObject { [FieldManager.LastAppliedAnnotation] = lastApplied };
        Deployments.Update(null, created, "kubectl-client-side-apply", "", Main, T0);
        var live = Stored(created);

        var applied = Deployments.Apply(live, Config(image: "nginx:1.28"), "kubectl", false, "", Main, T1);

        Assert.Equal("nginx:1.28", (string?)applied["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]);
        Assert.Equal(GoSorted(Config(image: "nginx:1.28")) + "\n", JsonTree.GetString(applied, "metadata", "annotations", FieldManager.LastAppliedAnnotation));
        Assert.Contains("f:image", Fields(Entry(applied, "kubectl", "Apply")));
        // Another manager is not forgiven.
        var conflict = Assert.Throws<ApplyConflictException>(() => Deployments.Apply(live, Config(image: "nginx:1.28"), "other", false, "", Main, T1));
        Assert.Equal("Apply failed with 1 conflict: conflict with \"kubectl-client-side-apply\" using apps/v1: .spec.template.spec.containers[name=\"nginx\"].image", conflict.Message);
    }

    private static string GoSorted(JsonObject obj) => Decoding.GoFormat.SortedJson(obj);

    [Fact]
    public void Status_writes_own_only_the_status_under_the_status_subresource()
    {
        var live = Stored(Deployments.Apply(null, Config(), "kubectl", false, "", Main, T0));
        var updated = (JsonObject)live.DeepClone();
        updated["status"] = Json("""{"replicas":2,"conditions":[{"type":"Available","status":"True"}]}""");

        Deployments.Update(live, updated, "kube-controller-manager", "status", Status, T1);

        var entry = Entry(updated, "kube-controller-manager");
        Assert.Equal("status", (string?)entry["subresource"]);
        Assert.Equal("""{"f:status":{"f:conditions":{".":{},"k:{\"type\":\"Available\"}":{".":{},"f:status":{},"f:type":{}}},"f:replicas":{}}}""", Fields(entry));
    }

    [Fact]
    public void Tracking_starts_on_create_or_first_apply_and_an_empty_list_resets_it()
    {
        var untracked = Stored(Config());
        var updated = (JsonObject)untracked.DeepClone();
        updated["spec"]!["replicas"] = 3;
        Deployments.Update(untracked, updated, "kubectl-edit", "", Main, T1);
        Assert.Null(updated["metadata"]!["managedFields"]);

        // The first apply records what the object held under before-first-apply: changing it is a conflict.
        var conflict = Assert.Throws<ApplyConflictException>(() => Deployments.Apply(untracked, Config(replicas: 4), "ci", false, "", Main, T1));
        Assert.Equal("Apply failed with 1 conflict: conflict with \"before-first-apply\" using apps/v1: .spec.replicas", conflict.Message);
        var applied = Deployments.Apply(untracked, Config(replicas: 2), "ci", false, "", Main, T1);
        Assert.Contains("f:replicas", Fields(Entry(applied, "before-first-apply")));
        Assert.Contains("f:replicas", Fields(Entry(applied, "ci", "Apply")));

        var reset = (JsonObject)Stored(applied).DeepClone();
        reset["metadata"]!["managedFields"] = new JsonArray();
        Deployments.Update(Stored(applied), reset, "kubectl-patch", "", Main, T2);
        Assert.Null(reset["metadata"]!["managedFields"]);
    }

    [Fact]
    public void Eleven_update_managers_are_capped_into_ancient_changes()
    {
        var live = Config();
        Deployments.Update(null, live, "creator", "", Main, "2025-01-01T00:00:00Z");
        live = Stored(live);
        for (var i = 1; i <= 10; i++)
        {
            var next = (JsonObject)live.DeepClone();
            next["metadata"]!["labels"]![$"l{i}"] = "x";
            Deployments.Update(live, next, $"m{i:00}", "", Main, $"2025-01-01T00:{i:00}:00Z");
            live = next;
        }

        var managers = Entries(live).Select(e => (string?)e!["manager"]).ToList();
        Assert.Equal(10, managers.Count);
        Assert.Equal("ancient-changes", managers[0]);
        Assert.DoesNotContain("creator", managers);
        Assert.DoesNotContain("m01", managers);
        Assert.Contains("\"f:l1\"", Fields(Entry(live, "ancient-changes")));
    }

    [Fact]
    public void Entries_sort_apply_first_then_by_time()
    {
        var live = Stored(Deployments.Apply(null, Config(), "zeta", false, "", Main, T1));
        var edited = (JsonObject)live.DeepClone();
        edited["metadata"]!["labels"]!["edited"] = "yes";
        Deployments.Update(live, edited, "alpha", "", Main, T0);
        live = Stored(Deployments.Apply(edited, Json("""{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","annotations":{"a":"b"}}}"""), "beta", false, "", Main, T0));

        Assert.Equal(["beta/Apply", "zeta/Apply", "alpha/Update"], Entries(live).Select(e => $"{e!["manager"]}/{e["operation"]}"));
    }

    [Fact]
    public void Applying_a_wrong_kind_or_managed_fields_is_refused()
    {
        var wrongKind = Assert.Throws<ApplyException>(() => Deployments.Apply(null, Json("""{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web"}}"""), "kubectl", false, "", Main, T0));
        Assert.Equal((400, "invalid object type: /v1, Kind=Pod"), (wrongKind.StatusCode, wrongKind.Message));
        var withManaged = Config();
        withManaged["metadata"]!["managedFields"] = new JsonArray();
        Assert.Equal("metadata.managedFields must be nil", Assert.Throws<ApplyException>(() => Deployments.Apply(null, withManaged, "kubectl", false, "", Main, T0)).Message);
        var unknown = Config();
        unknown["spec"]!["bogus"] = true;
        var typed = Assert.Throws<ApplyException>(() => Deployments.Apply(null, unknown, "kubectl", false, "", Main, T0));
        Assert.Equal((500, "failed to create typed patch object (default/web; apps/v1, Kind=Deployment): .spec.bogus: field not declared in schema"), (typed.StatusCode, typed.Message));
    }
}

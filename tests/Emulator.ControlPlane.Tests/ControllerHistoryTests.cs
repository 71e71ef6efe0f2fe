using System.Text.Json.Nodes;
using Emulator.ControlPlane.History;
using Emulator.ControlPlane.Informers;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Selectors;

namespace Emulator.ControlPlane.Tests;

public sealed class ControllerHistoryTests
{
    private static KubeObject Parent(string name = "web", string uid = "uid-web") =>
        new(new JsonObject
        {
            ["apiVersion"] = "apps/v1",
            ["kind"] = "StatefulSet",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = "default", ["uid"] = uid },
        });

    private static KubeObject Revision(string name, long revision, string? hash = null, JsonObject? data = null, string? ownerUid = "uid-web", string app = "web", int second = 0)
    {
        var labels = new JsonObject { ["app"] = app };
        if (hash is not null)
        {
            labels[ControllerHistory.HashLabel] = hash;
        }
        var metadata = new JsonObject
        {
            ["name"] = name,
            ["namespace"] = "default",
            ["uid"] = "uid-" + name,
            ["resourceVersion"] = "1",
            ["creationTimestamp"] = $"2026-01-01T00:00:{second:00}Z",
            ["labels"] = labels,
        };
        if (ownerUid is not null)
        {
            metadata["ownerReferences"] = new JsonArray(new OwnerReference("apps/v1", "StatefulSet", "web", ownerUid, true, true).ToJson());
        }
        return new KubeObject(new JsonObject
        {
            ["apiVersion"] = "apps/v1",
            ["kind"] = "ControllerRevision",
            ["metadata"] = metadata,
            ["data"] = data?.DeepClone() ?? new JsonObject { ["n"] = revision },
            ["revision"] = revision,
        });
    }

    [Fact]
    public void Revision_names_cut_the_prefix_to_223_characters()
    {
        Assert.Equal("web-abc", ControllerHistory.RevisionName("web", "abc"));
        var name = ControllerHistory.RevisionName(new string('a', 300), "h");
        Assert.Equal(new string('a', 223) + "-h", name);
    }

    [Fact]
    public void HashRevision_is_fnv1_of_the_go_json_then_the_collision_count()
    {
        // Expected values from an independent FNV-1 (checked against the "foobar" → 0x31f0b262 test vector) and
        // rand.SafeEncodeString.
        Assert.Equal("65bb57b6b5", ControllerHistory.HashRevision(null, null));
        Assert.Equal("d8bfb7b4", ControllerHistory.HashRevision(null, 7));
        var data = new JsonObject { ["z"] = 1, ["a"] = "<b>", ["gone"] = null };
        Assert.Equal("""{"a":"\u003cb\u003e","z":1}""", ControllerHistory.GoJson(data));
        Assert.Equal("78b6464687", ControllerHistory.HashRevision(data, null));
        Assert.NotEqual(ControllerHistory.HashRevision(data, null), ControllerHistory.HashRevision(data, 1));
    }

    [Fact]
    public void HashTemplate_is_the_pod_template_hash()
    {
        var template = new JsonObject { ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = "web" } } };
        Assert.Equal(PodTemplateHash.Compute(template, 2), ControllerHistory.HashTemplate(template, 2));
    }

    [Fact]
    public void NewRevision_is_owned_labelled_named_and_numbered()
    {
        var data = new JsonObject { ["spec"] = new JsonObject { ["template"] = new JsonObject { ["$patch"] = "replace" } } };
        var revision = new KubeObject(ControllerHistory.NewRevision(Parent(), new Dictionary<string, string> { ["app"] = "web" }, data, 3, "h4sh",
            new Dictionary<string, string> { ["kubernetes.io/change-cause"] = "why" }));
        Assert.Equal("ControllerRevision", revision.Kind);
        Assert.Equal("apps/v1", revision.ApiVersion);
        Assert.Equal("web-h4sh", revision.Name);
        Assert.Equal("default", revision.Namespace);
        Assert.Equal("h4sh", revision.Labels[ControllerHistory.HashLabel]);
        Assert.Equal("web", revision.Labels["app"]);
        Assert.Equal("why", revision.Annotations["kubernetes.io/change-cause"]);
        Assert.Equal(new OwnerReference("apps/v1", "StatefulSet", "web", "uid-web", true, true), revision.ControllerReference);
        Assert.Equal(3, ControllerHistory.RevisionNumber(revision));
        Assert.True(JsonTree.DeepEquals(data, ControllerHistory.Data(revision)));
        data["spec"]!["x"] = 1;
        Assert.False(JsonTree.DeepEquals(data, ControllerHistory.Data(revision)), "the data is copied");
    }

    [Fact]
    public void NewRevision_puts_the_hash_in_the_label_it_is_given()
    {
        var data = new JsonObject { ["spec"] = new JsonObject() };
        var revision = new KubeObject(ControllerHistory.NewRevision(Parent(), new Dictionary<string, string> { ["app"] = "web" }, data, 1, "h4sh",
            hashLabel: ControllerHistory.HistoryHashLabel));
        Assert.Equal("h4sh", revision.Labels["controller.kubernetes.io/hash"]);
        Assert.False(revision.Labels.ContainsKey(ControllerHistory.HashLabel));
        Assert.Equal("web-h4sh", revision.Name);
    }

    [Fact]
    public void Sorting_next_revision_and_equality()
    {
        var list = new List<KubeObject> { Revision("c", 3), Revision("b2", 2, second: 5), Revision("b1", 2, second: 1), Revision("a", 1) };
        ControllerHistory.Sort(list);
        Assert.Equal(new[] { "a", "b1", "b2", "c" }, list.Select(r => r.Name));
        Assert.Equal(4, ControllerHistory.NextRevision(list));
        Assert.Equal(1, ControllerHistory.NextRevision([]));

        var data = new JsonObject { ["x"] = 1, ["y"] = new JsonObject { ["b"] = 2, ["a"] = 1 } };
        var same = new JsonObject { ["y"] = new JsonObject { ["a"] = 1, ["b"] = 2 }, ["x"] = 1 };
        Assert.True(ControllerHistory.EqualRevision(Revision("p", 1, "h1", data), Revision("q", 2, "h1", same)));
        Assert.True(ControllerHistory.EqualRevision(Revision("p", 1, null, data), Revision("q", 2, "h2", same)));
        Assert.False(ControllerHistory.EqualRevision(Revision("p", 1, "h1", data), Revision("q", 2, "h2", same)));
        Assert.False(ControllerHistory.EqualRevision(Revision("p", 1, "h1", data), Revision("q", 2, "h1", new JsonObject { ["x"] = 2 })));
        var found = ControllerHistory.FindEqual([Revision("p", 1, "h1", data), Revision("q", 2, "h2", new JsonObject { ["x"] = 2 })], same);
        Assert.Equal("p", Assert.Single(found).Name);
    }

    [Fact]
    public void Truncation_deletes_the_oldest_beyond_the_limit_but_never_a_live_revision()
    {
        var old = new List<KubeObject> { Revision("r4", 4, "h4"), Revision("r1", 1, "h1"), Revision("r2", 2, "h2"), Revision("r3", 3, "h3") };
        Assert.Equal(new[] { "r1", "r2" }, ControllerHistory.ToTruncate(old, 2, new HashSet<string>()).Select(r => r.Name));
        Assert.Equal(new[] { "r2", "r3" }, ControllerHistory.ToTruncate(old, 2, new HashSet<string> { "h1" }).Select(r => r.Name));
        Assert.Empty(ControllerHistory.ToTruncate(old, 4, new HashSet<string>()));
        Assert.Equal(4, ControllerHistory.ToTruncate(old, 0, new HashSet<string>()).Count);
    }

    [Fact]
    public void ControlledBy_and_claim_read_the_cache_indexes()
    {
        var cache = new ObjectCache(ControllerHistory.ControllerRevisions);
        ControllerHistory.AddControllerIndex(cache);
        var items = new[]
        {
            Revision("mine-2", 2), Revision("mine-1", 1), Revision("other", 1, ownerUid: "uid-other"),
            Revision("orphan", 1, ownerUid: null), Revision("orphan-db", 1, ownerUid: null, app: "db"),
            Revision("mine-not-matching", 3, app: "db"),
        };
        cache.Replace(items.Select(r => StoredObject.From(ControllerHistory.ControllerRevisions.Key, r.Document)).ToList());

        Assert.Equal(new[] { "mine-1", "mine-2", "mine-not-matching" }, ControllerHistory.ControlledBy(cache, Parent()).Select(r => r.Name));
        var writes = ControllerHistory.Claim(cache, Parent(), LabelSelector.FromSet(new Dictionary<string, string> { ["app"] = "web" }))
            .Select(w => new KubeObject(w)).ToList();
        Assert.Equal(2, writes.Count);
        Assert.Empty(writes.Single(w => w.Name == "mine-not-matching").OwnerReferences);
        Assert.Equal("uid-web", writes.Single(w => w.Name == "orphan").ControllerReference?.Uid);
    }
}

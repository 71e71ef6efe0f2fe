using System.Text.Json.Nodes;

namespace Emulator.Api.Discovery;

/// <summary>The discovery documents kubectl reads before anything else: /version, /api, /apis and each group version.</summary>
public static class DiscoveryDocuments
{
    /// <summary>The Kubernetes version the emulator answers as.</summary>
    public const string GitVersion = "v1.33.0";

    /// <summary><c>GET /version</c>.</summary>
    public static JsonObject Version() => new()
    {
        ["major"] = "1",
        ["minor"] = "33",
        ["gitVersion"] = GitVersion,
        ["gitCommit"] = "emulator",
        ["gitTreeState"] = "clean",
        ["buildDate"] = "2026-01-01T00:00:00Z",
        ["goVersion"] = "go1.24",
        ["compiler"] = "gc",
        ["platform"] = "linux/amd64",
    };

    /// <summary><c>GET /api</c>: the core group's versions.</summary>
    public static JsonObject CoreVersions(string serverAddress) => new()
    {
        ["kind"] = "APIVersions",
        ["versions"] = new JsonArray("v1"),
        ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject { ["clientCIDR"] = "0.0.0.0/0", ["serverAddress"] = serverAddress }),
    };

    /// <summary><c>GET /apis</c>: every named group.</summary>
    public static JsonObject Groups(ApiResourceCatalog catalog)
    {
        var groups = new JsonArray();
        foreach (var (group, versions) in catalog.Groups)
        {
            var list = new JsonArray();
            foreach (var v in versions)
            {
                list.Add(new JsonObject { ["groupVersion"] = $"{group}/{v}", ["version"] = v });
            }
            groups.Add(new JsonObject
            {
                ["name"] = group,
                ["versions"] = list,
                ["preferredVersion"] = new JsonObject { ["groupVersion"] = $"{group}/{versions[0]}", ["version"] = versions[0] },
            });
        }
        return new JsonObject { ["kind"] = "APIGroupList", ["apiVersion"] = "v1", ["groups"] = groups };
    }

    /// <summary><c>GET /api/v1</c> or <c>/apis/GROUP/VERSION</c>: the resources and their subresources.</summary>
    public static JsonObject ResourceList(ApiResourceCatalog catalog, string group, string version)
    {
        var resources = new JsonArray();
        // The API server lists a group version's resources sorted by name (kubectl api-resources keeps that order).
        foreach (var r in catalog.InGroupVersion(group, version).OrderBy(r => r.Resource, StringComparer.Ordinal))
        {
            var entry = new JsonObject
            {
                ["name"] = r.Resource,
                ["singularName"] = r.Singular,
                ["namespaced"] = r.Namespaced,
                ["kind"] = r.Kind,
                ["verbs"] = new JsonArray(r.ResourceVerbs.Select(v => (JsonNode)v).ToArray()),
            };
            if (r.ShortNames.Count > 0)
            {
                entry["shortNames"] = new JsonArray(r.ShortNames.Select(v => (JsonNode)v).ToArray());
            }
            if (r.Categories.Count > 0)
            {
                entry["categories"] = new JsonArray(r.Categories.Select(v => (JsonNode)v).ToArray());
            }
            resources.Add(entry);
            // kube-apiserver's extra subresources, listed in name order with the status subresource.
            if (r.Resource == "certificatesigningrequests" && r.Group == "certificates.k8s.io")
            {
                resources.Add(new JsonObject
                {
                    ["name"] = "certificatesigningrequests/approval",
                    ["singularName"] = "",
                    ["namespaced"] = false,
                    ["kind"] = "CertificateSigningRequest",
                    ["verbs"] = new JsonArray("get", "patch", "update"),
                });
            }
            if (r.HasStatus)
            {
                resources.Add(new JsonObject
                {
                    ["name"] = $"{r.Resource}/status",
                    ["singularName"] = "",
                    ["namespaced"] = r.Namespaced,
                    ["kind"] = r.Kind,
                    ["verbs"] = new JsonArray("get", "patch", "update"),
                });
            }
            if (r.HasScale)
            {
                resources.Add(new JsonObject
                {
                    ["name"] = $"{r.Resource}/scale",
                    ["singularName"] = "",
                    ["namespaced"] = r.Namespaced,
                    ["group"] = "autoscaling",
                    ["version"] = "v1",
                    ["kind"] = "Scale",
                    ["verbs"] = new JsonArray("get", "patch", "update"),
                });
            }
            if (r.Resource == "serviceaccounts" && r.Group.Length == 0)
            {
                // kubectl create token posts an authentication.k8s.io/v1 TokenRequest here.
                resources.Add(new JsonObject
                {
                    ["name"] = "serviceaccounts/token",
                    ["singularName"] = "",
                    ["namespaced"] = true,
                    ["group"] = "authentication.k8s.io",
                    ["version"] = "v1",
                    ["kind"] = "TokenRequest",
                    ["verbs"] = new JsonArray("create"),
                });
            }
            if (r.Resource == "pods" && r.Group.Length == 0)
            {
                resources.Add(new JsonObject
                {
                    ["name"] = "pods/log",
                    ["singularName"] = "",
                    ["namespaced"] = true,
                    ["kind"] = "Pod",
                    ["verbs"] = new JsonArray("get"),
                });
                // kubectl drain looks for the eviction subresource (policy/v1) and evicts through it.
                resources.Add(new JsonObject
                {
                    ["name"] = "pods/eviction",
                    ["singularName"] = "",
                    ["namespaced"] = true,
                    ["group"] = "policy",
                    ["version"] = "v1",
                    ["kind"] = "Eviction",
                    ["verbs"] = new JsonArray("create"),
                });
                resources.Add(new JsonObject
                {
                    ["name"] = "pods/binding",
                    ["singularName"] = "",
                    ["namespaced"] = true,
                    ["kind"] = "Binding",
                    ["verbs"] = new JsonArray("create"),
                });
                // The streaming subresources (kind PodExecOptions etc.) and kubectl debug's ephemeral containers.
                foreach (var (name, kind, verbs) in new[]
                {
                    ("pods/attach", "PodAttachOptions", new[] { "create", "get" }),
                    ("pods/ephemeralcontainers", "Pod", new[] { "get", "patch", "update" }),
                    ("pods/exec", "PodExecOptions", new[] { "create", "get" }),
                    ("pods/portforward", "PodPortForwardOptions", new[] { "create", "get" }),
                })
                {
                    resources.Add(new JsonObject
                    {
                        ["name"] = name,
                        ["singularName"] = "",
                        ["namespaced"] = true,
                        ["kind"] = kind,
                        ["verbs"] = new JsonArray(verbs.Select(v => (JsonNode)v).ToArray()),
                    });
                }
            }
        }
        return new JsonObject
        {
            ["kind"] = "APIResourceList",
            ["apiVersion"] = "v1",
            ["groupVersion"] = string.IsNullOrEmpty(group) ? version : $"{group}/{version}",
            ["resources"] = resources,
        };
    }
}

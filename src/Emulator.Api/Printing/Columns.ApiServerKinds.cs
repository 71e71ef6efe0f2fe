using System.Text.Json.Nodes;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;

namespace Emulator.Api.Printing;

/// <summary>
/// Columns of the API server's own kinds (1.33's printers, and kube-aggregator's table for APIServices): component
/// statuses, APIServices, flow control, admission policies, CSI storage capacities, IP addresses and service CIDRs.
/// </summary>
public static partial class Columns
{
    private static IReadOnlyList<Column>? ForApiServerKinds(string kind) => kind switch
    {
        // printComponentStatus: no Age column (component statuses have no creation time).
        "ComponentStatus" =>
        [
            Name,
            new("Status", "string", 0, "Status of the component conditions", (o, _) => ComponentCondition(o) is { } c ? (S(c, "status") == "True" ? "Healthy" : "Unhealthy") : "Unknown"),
            new("Message", "string", 0, "Message of the component conditions", (o, _) => S(ComponentCondition(o), "message") ?? ""),
            new("Error", "string", 0, "Error of the component conditions", (o, _) => S(ComponentCondition(o), "error") ?? ""),
        ],
        // kube-aggregator's APIService table: Local or namespace/name, and the Available condition with its reason.
        "APIService" =>
        [
            Name,
            new("Service", "string", 0, "The reference to the service that hosts this API endpoint.", (o, _) => o["spec"]?["service"] is JsonObject s ? $"{S(s, "namespace")}/{S(s, "name")}" : "Local"),
            new("Available", "string", 0, "Whether this service is available.", (o, _) => ApiServiceAvailable(o)),
            Age,
        ],
        "FlowSchema" =>
        [
            Name,
            new("PriorityLevel", "string", 0, "`name` is the name of the priority level configuration being referenced Required.", (o, _) => S(o["spec"]?["priorityLevelConfiguration"], "name") ?? ""),
            new("MatchingPrecedence", "string", 0, "`matchingPrecedence` is used to choose among the FlowSchemas that match a given request.", (o, _) => (long)I(o["spec"], "matchingPrecedence")),
            new("DistinguisherMethod", "string", 0, "`distinguisherMethod` defines how to compute the flow distinguisher for requests that match this schema.", (o, _) => S(o["spec"]?["distinguisherMethod"], "type") ?? "<none>"),
            Age,
            new("MissingPL", "string", 0, "references a broken or non-existent PriorityLevelConfiguration", (o, _) => ConditionStatus(o, "Dangling") ?? "?"),
        ],
        "PriorityLevelConfiguration" =>
        [
            Name,
            new("Type", "string", 0, "`type` indicates whether this priority level is subject to limitation on request execution.", (o, _) => S(o["spec"], "type") ?? ""),
            new("NominalConcurrencyShares", "string", 0, "`nominalConcurrencyShares` (NCS) contributes to the computation of the NominalConcurrencyLimit (NominalCL) of this level.", (o, _) => Limited(o, null, "nominalConcurrencyShares")),
            new("Queues", "string", 0, "`queues` is the number of queues for this priority level.", (o, _) => Limited(o, "queuing", "queues")),
            new("HandSize", "string", 0, "`handSize` is a small positive number that configures the shuffle sharding of requests into queues.", (o, _) => Limited(o, "queuing", "handSize")),
            new("QueueLengthLimit", "string", 0, "`queueLengthLimit` is the maximum number of requests allowed to be waiting in a given queue of this priority level at a time.", (o, _) => Limited(o, "queuing", "queueLengthLimit")),
            Age,
        ],
        "ValidatingAdmissionPolicy" =>
        [
            Name,
            new("Validations", "integer", 0, "Validations indicates the number of validation rules defined in this configuration", (o, _) => (o["spec"]?["validations"] as JsonArray)?.Count ?? 0),
            new("ParamKind", "string", 0, "ParamKind specifies the kind of resources used to parameterize this policy", (o, _) => o["spec"]?["paramKind"] is JsonObject p ? $"{S(p, "apiVersion")}/{S(p, "kind")}" : "<unset>"),
            Age,
        ],
        "ValidatingAdmissionPolicyBinding" =>
        [
            Name,
            new("PolicyName", "string", 0, "PolicyName indicates the policy definition which the policy binding binded to", (o, _) => S(o["spec"], "policyName") ?? ""),
            new("ParamRef", "string", 0, "ParamRef indicates the param resource which sets the configration param", (o, _) => ParamRefText(o["spec"]?["paramRef"] as JsonObject)),
            Age,
        ],
        // printCSIStorageCapacity: no Age column.
        "CSIStorageCapacity" =>
        [
            Name,
            new("StorageClassName", "string", 0, "storageClassName represents the name of the StorageClass that the reported capacity applies to.", (o, _) => S(o, "storageClassName") ?? ""),
            new("Capacity", "string", 0, "capacity is the value reported by the CSI driver in its GetCapacityResponse for a GetCapacityRequest with topology and parameters that match the previous fields.", (o, _) => S(o, "capacity") ?? "<unset>"),
        ],
        // printIPAddress also computes an age, but 1.33 declares only these two columns, so kubectl shows two.
        "IPAddress" =>
        [
            Name,
            new("ParentRef", "string", 0, "ParentRef references the resource that an IPAddress is attached to.", (o, _) => ParentRefText(o["spec"]?["parentRef"] as JsonObject)),
        ],
        "ServiceCIDR" =>
        [
            Name,
            new("CIDRs", "string", 0, "CIDRs defines the IP blocks in CIDR notation (e.g. \"192.168.0.0/24\" or \"2001:db8::/64\") from which to assign service cluster IPs.", (o, _) => string.Join(",", (o["spec"]?["cidrs"] as JsonArray ?? []).Select(c => c?.GetValue<string>()))),
            Age,
        ],
        _ => null,
    };

    /// <summary>
    /// The order a kind's printer lists rows in: FlowSchemas by matching precedence, then name (printFlowSchemaList
    /// sorts them as the API server matches them); every other kind as listed.
    /// </summary>
    public static IEnumerable<StoredObject> InPrintOrder(string kind, IReadOnlyList<StoredObject> items) => kind == "FlowSchema"
        ? items.OrderBy(i => JsonTree.GetInt(i.ToJsonObject(), "spec", "matchingPrecedence") ?? 0).ThenBy(i => i.Name, StringComparer.Ordinal)
        : items;

    private static JsonObject? ComponentCondition(JsonObject o) =>
        (o["conditions"] as JsonArray ?? []).OfType<JsonObject>().FirstOrDefault(c => S(c, "type") == "Healthy");

    private static string? ConditionStatus(JsonObject o, string type) =>
        S((o["status"]?["conditions"] as JsonArray ?? []).OfType<JsonObject>().FirstOrDefault(c => S(c, "type") == type), "status");

    private static string ApiServiceAvailable(JsonObject o)
    {
        var condition = (o["status"]?["conditions"] as JsonArray ?? []).OfType<JsonObject>().FirstOrDefault(c => S(c, "type") == "Available");
        if (condition is null)
        {
            return "Unknown";
        }
        var status = S(condition, "status") ?? "";
        return status != "True" && S(condition, "reason") is { Length: > 0 } reason ? $"{status} ({reason})" : status;
    }

    /// <summary>A limited priority level's number (an integer cell), or <c>&lt;none&gt;</c> for exempt levels and reject responses.</summary>
    private static object Limited(JsonObject o, string? section, string field)
    {
        var limited = o["spec"]?["limited"];
        if (limited is null)
        {
            return "<none>";
        }
        var owner = section is null ? limited : limited["limitResponse"]?[section];
        return owner is null ? "<none>" : (long)I(owner, field);
    }

    private static string ParamRefText(JsonObject? paramRef)
    {
        if (paramRef is null)
        {
            return "<unset>";
        }
        if (S(paramRef, "name") is { Length: > 0 } name)
        {
            // Cluster-scoped or not cannot be told from the binding: a reference without a namespace prints "*".
            return S(paramRef, "namespace") is { Length: > 0 } ns ? $"{ns}/{name}" : $"*/{name}";
        }
        return paramRef["selector"] is JsonObject selector ? LabelSelectorText(selector) : "<unset>";
    }

    private static string LabelSelectorText(JsonObject selector)
    {
        var text = SelectorText(selector);
        return text == "<none>" ? "" : text;
    }

    private static string ParentRefText(JsonObject? parent)
    {
        if (parent is null)
        {
            return "<none>";
        }
        var group = S(parent, "group") ?? "";
        var text = (group.Length > 0 ? $"{S(parent, "resource")}.{group}" : S(parent, "resource") ?? "").ToLowerInvariant();
        if (S(parent, "namespace") is { Length: > 0 } ns)
        {
            text += "/" + ns;
        }
        return text + "/" + S(parent, "name");
    }
}

using System.Text.Json.Nodes;
using Emulator.Kubernetes;

namespace Emulator.Api.Printing;

public static partial class Columns
{
    /// <summary>The columns of Endpoints and EndpointSlices (1.33's printers), or null for other kinds.</summary>
    private static IReadOnlyList<Column>? ForEndpoints(string kind) => kind switch
    {
        "Endpoints" =>
        [
            Name,
            new("Endpoints", "string", 0, "Endpoints is the list of endpoints in the object.", (o, _) => EndpointsText(o)),
            Age,
        ],
        "EndpointSlice" =>
        [
            Name,
            new("AddressType", "string", 0, "The IP protocol for this slice.", (o, _) => S(o, "addressType")),
            new("Ports", "string", 0, "The list of ports on this slice.", (o, _) => SlicePorts(o)),
            new("Endpoints", "string", 0, "The list of endpoints on this slice.", (o, _) => SliceEndpoints(o)),
            Age,
        ],
        _ => null,
    };

    /// <summary><c>formatEndpoints</c>: the first three ready <c>ip:port</c> pairs, then <c>+ N more...</c>.</summary>
    private static string EndpointsText(JsonObject endpoints)
    {
        var all = new List<string>();
        foreach (var subset in JsonTree.Objects(endpoints["subsets"] as JsonArray))
        {
            var addresses = JsonTree.Objects(subset["addresses"] as JsonArray).Select(a => S(a, "ip") ?? "").ToList();
            var ports = JsonTree.Objects(subset["ports"] as JsonArray).ToList();
            if (ports.Count == 0)
            {
                all.AddRange(addresses);
                continue;
            }
            foreach (var port in ports)
            {
                all.AddRange(addresses.Select(a => $"{a}:{I(port, "port")}"));
            }
        }
        return Limited(all, "<none>");
    }

    private static string SlicePorts(JsonObject slice)
    {
        var ports = JsonTree.Objects(slice["ports"] as JsonArray).Select(p => JsonTree.GetInt(p, "port")?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "<unset>").ToList();
        return ports.Count == 0 ? "<unset>" : string.Join(",", ports);
    }

    private static string SliceEndpoints(JsonObject slice) =>
        Limited(JsonTree.Objects(slice["endpoints"] as JsonArray).SelectMany(e => (e["addresses"] as JsonArray ?? []).Select(a => a?.GetValue<string>() ?? "")).ToList(), "<unset>");

    private static string Limited(IReadOnlyList<string> items, string none) => items.Count switch
    {
        0 => none,
        <= 3 => string.Join(",", items),
        _ => string.Join(",", items.Take(3)) + $" + {items.Count - 3} more...",
    };
}

using System.Globalization;
using System.Text.Json.Nodes;
using Emulator.Api.Discovery;
using Emulator.ControlPlane.Store;
using Microsoft.AspNetCore.Http;

namespace Emulator.Api.Printing;

/// <summary>One column of a kind's table: header, type, whether only <c>-o wide</c> shows it, and how to compute the cell.</summary>
public sealed record Column(string Name, string Type, int Priority, string Description, Func<JsonObject, DateTimeOffset, object?> Cell, string Format = "");

/// <summary>
/// <c>meta.k8s.io/v1</c> Tables, which kubectl prints for a human <c>get</c>: the same columns real Kubernetes prints per
/// kind (priority-1 columns appear with <c>-o wide</c>), and each row's object as PartialObjectMetadata.
/// </summary>
public static class Table
{
    /// <summary>True when the client asked for a Table (<c>Accept: application/json;as=Table;v=v1;g=meta.k8s.io</c>).</summary>
    public static bool Wants(HttpContext context) =>
        context.Request.Headers.Accept.Any(a => a is not null && a.Contains("as=Table", StringComparison.Ordinal));

    /// <summary>Builds the Table of <paramref name="items"/>.</summary>
    public static JsonObject For(ApiResource resource, IReadOnlyList<StoredObject> items, long resourceVersion, DateTimeOffset now)
    {
        var columns = resource.CustomVersion is { } custom ? Columns.For(custom) : Columns.For(resource.Kind);
        var definitions = new JsonArray();
        foreach (var c in columns)
        {
            definitions.Add(new JsonObject
            {
                ["name"] = c.Name,
                ["type"] = c.Type,
                ["format"] = c.Format,
                ["description"] = c.Description,
                ["priority"] = c.Priority,
            });
        }
        var rows = new JsonArray();
        foreach (var item in Columns.InPrintOrder(resource.Kind, items))
        {
            var obj = item.ToJsonObject();
            var cells = new JsonArray();
            foreach (var c in columns)
            {
                cells.Add(c.Cell(obj, now) switch
                {
                    null => null,
                    int i => JsonValue.Create(i),
                    long l => JsonValue.Create(l),
                    bool b => JsonValue.Create(b),
                    double d => JsonValue.Create(d),
                    var v => JsonValue.Create(Convert.ToString(v, CultureInfo.InvariantCulture)),
                });
            }
            rows.Add(new JsonObject
            {
                ["cells"] = cells,
                ["object"] = new JsonObject
                {
                    ["kind"] = "PartialObjectMetadata",
                    ["apiVersion"] = "meta.k8s.io/v1",
                    ["metadata"] = obj["metadata"]?.DeepClone(),
                },
            });
        }
        return new JsonObject
        {
            ["kind"] = "Table",
            ["apiVersion"] = "meta.k8s.io/v1",
            ["metadata"] = new JsonObject { ["resourceVersion"] = resourceVersion.ToString(CultureInfo.InvariantCulture) },
            ["columnDefinitions"] = definitions,
            ["rows"] = rows,
        };
    }
}

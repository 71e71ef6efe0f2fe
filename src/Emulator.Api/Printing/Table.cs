using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Emulator.Api.Discovery;
using Emulator.Api.Resources;
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

    /// <summary>Writes the Table of <paramref name="items"/> as one value (a watch event's object).</summary>
    public static void Write(Utf8JsonWriter writer, ApiResource resource, IReadOnlyList<StoredObject> items, long resourceVersion, DateTimeOffset now)
    {
        var columns = ColumnsOf(resource);
        WriteStart(writer, columns, resourceVersion, null, 0);
        foreach (var item in Columns.InPrintOrder(resource.Kind, items))
        {
            WriteRow(writer, columns, item, now);
        }
        WriteEnd(writer);
    }

    /// <summary>
    /// Answers with the Table of <paramref name="items"/>, written as it is built: the rows of ten thousand pods are
    /// neither a tree nor one buffer. A null <paramref name="resourceVersion"/> leaves the Table's metadata empty (objects
    /// the API server computes); <paramref name="continueToken"/> marks a page that is cut short.
    /// </summary>
    public static Task Write(HttpContext context, ApiResource resource, IReadOnlyList<StoredObject> items, long? resourceVersion, DateTimeOffset now,
        string? continueToken = null, long remainingItemCount = 0) =>
        ApiResponses.WriteChunked(context, async (writer, drain) =>
        {
            var columns = ColumnsOf(resource);
            WriteStart(writer, columns, resourceVersion, continueToken, remainingItemCount);
            foreach (var item in Columns.InPrintOrder(resource.Kind, items))
            {
                WriteRow(writer, columns, item, now);
                await drain().ConfigureAwait(false);
            }
            WriteEnd(writer);
        });

    private static IReadOnlyList<Column> ColumnsOf(ApiResource resource) =>
        resource.CustomVersion is { } custom ? Columns.For(custom) : Columns.For(resource.Kind);

    private static void WriteStart(Utf8JsonWriter writer, IReadOnlyList<Column> columns, long? resourceVersion, string? continueToken, long remainingItemCount)
    {
        writer.WriteStartObject();
        writer.WriteString("kind", "Table");
        writer.WriteString("apiVersion", "meta.k8s.io/v1");
        ApiResponses.WriteListMetadata(writer, resourceVersion, continueToken, remainingItemCount);
        writer.WriteStartArray("columnDefinitions");
        foreach (var c in columns)
        {
            writer.WriteStartObject();
            writer.WriteString("name", c.Name);
            writer.WriteString("type", c.Type);
            writer.WriteString("format", c.Format);
            writer.WriteString("description", c.Description);
            writer.WriteNumber("priority", c.Priority);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteStartArray("rows");
    }

    private static void WriteEnd(Utf8JsonWriter writer)
    {
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    // A row reads the stored version once: the cells from a view of it, the object's metadata copied as it is stored.
    private static void WriteRow(Utf8JsonWriter writer, IReadOnlyList<Column> columns, StoredObject item, DateTimeOffset now)
    {
        using var document = JsonDocument.Parse(item.Json);
        var obj = JsonObject.Create(document.RootElement)!;
        writer.WriteStartObject();
        writer.WriteStartArray("cells");
        foreach (var c in columns)
        {
            switch (c.Cell(obj, now))
            {
                case null:
                    writer.WriteNullValue();
                    break;
                case int i:
                    writer.WriteNumberValue(i);
                    break;
                case long l:
                    writer.WriteNumberValue(l);
                    break;
                case bool b:
                    writer.WriteBooleanValue(b);
                    break;
                case double d:
                    writer.WriteNumberValue(d);
                    break;
                case var v:
                    writer.WriteStringValue(Convert.ToString(v, CultureInfo.InvariantCulture));
                    break;
            }
        }
        writer.WriteEndArray();
        writer.WriteStartObject("object");
        writer.WriteString("kind", "PartialObjectMetadata");
        writer.WriteString("apiVersion", "meta.k8s.io/v1");
        if (document.RootElement.TryGetProperty("metadata", out var metadata))
        {
            writer.WritePropertyName("metadata");
            metadata.WriteTo(writer);
        }
        writer.WriteEndObject();
        writer.WriteEndObject();
    }
}

using System.Globalization;
using System.Text.Json.Nodes;
using Emulator.Kubernetes;
using Emulator.Kubernetes.CustomResources;

namespace Emulator.Api.Printing;

public static partial class Columns
{
    /// <summary>
    /// The columns of a custom resource's version: NAME, then its <c>additionalPrinterColumns</c> (Age when it declares
    /// none), each cell the first value its JSON path reaches, typed as the column says (dates print as ages; a value
    /// of another type prints nothing), as the apiextensions API server's table convertor does.
    /// </summary>
    public static IReadOnlyList<Column> For(CustomResourceVersion version) =>
        [Name, .. version.PrinterColumns.Select(PrinterColumnOf)];

    private static Column PrinterColumnOf(PrinterColumn column)
    {
        JsonPathExpression.TryParse(column.JsonPath, out var path, out _);
        return new Column(column.Name, column.Type, column.Priority, column.Description,
            (o, now) => path?.Evaluate(o) is { Count: > 0 } values ? Cell(column.Type, values[0], now) : null, column.Format);
    }

    private static object? Cell(string type, JsonNode? value, DateTimeOffset now) => type switch
    {
        "string" => JsonPathExpression.Print(value),
        "integer" => value is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.Number ? JsonTree.AsInt(v) : null,
        "number" => value is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.Number ? JsonTree.AsDouble(v) : null,
        "boolean" => JsonTree.AsBool(value),
        "date" => JsonTree.AsString(value) is { } text && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? HumanDuration.Format(now - time)
            : null,
        _ => null,
    };
}

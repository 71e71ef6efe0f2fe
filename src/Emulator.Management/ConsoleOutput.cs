using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Emulator.Management;

/// <summary>
/// Where a command writes: aligned text for people, or JSON for scripts (<c>--output json</c>). Tables and objects
/// render either way; plain lines stay text. Writes from a streaming command (<c>log tail</c>) go out as they happen.
/// </summary>
public sealed class ConsoleOutput
{
    private readonly Func<JsonObject, Task> _send;

    internal ConsoleOutput(Func<JsonObject, Task> send, bool json)
    {
        _send = send;
        Json = json;
    }

    /// <summary>True when the caller asked for JSON.</summary>
    public bool Json { get; }

    /// <summary>Writes one line of text.</summary>
    public Task Line(string text) => _send(new JsonObject { ["out"] = text });

    /// <summary>Writes one line to the caller's standard error.</summary>
    public Task Error(string text) => _send(new JsonObject { ["err"] = text });

    /// <summary>Writes a JSON value (JSON output) or its text rendering.</summary>
    public Task Value(JsonNode value, Func<string> text) => Json ? _send(new JsonObject { ["json"] = value }) : Line(text());

    /// <summary>
    /// Writes rows: aligned columns under <paramref name="headers"/> as text, or a JSON array of objects whose keys
    /// are the headers in lower case.
    /// </summary>
    public Task Table(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
    {
        var all = rows.ToList();
        if (Json)
        {
            var array = new JsonArray();
            foreach (var row in all)
            {
                var item = new JsonObject();
                for (var i = 0; i < headers.Count; i++)
                {
                    item[headers[i].ToLowerInvariant()] = i < row.Count ? row[i] : "";
                }
                array.Add(item);
            }
            return _send(new JsonObject { ["json"] = array });
        }
        return Aligned(headers, all);
    }

    private async Task Aligned(IReadOnlyList<string> headers, List<IReadOnlyList<string>> rows)
    {
        var widths = headers.Select((h, i) => Math.Max(h.Length, rows.Count == 0 ? 0 : rows.Max(r => i < r.Count ? r[i].Length : 0))).ToArray();
        string Format(IReadOnlyList<string> cells)
        {
            var line = new StringBuilder();
            for (var i = 0; i < widths.Length; i++)
            {
                var cell = i < cells.Count ? cells[i] : "";
                line.Append(i == widths.Length - 1 ? cell : cell.PadRight(widths[i] + 3));
            }
            return line.ToString().TrimEnd();
        }
        await Line(Format(headers)).ConfigureAwait(false);
        foreach (var row in rows)
        {
            await Line(Format(row)).ConfigureAwait(false);
        }
    }

    /// <summary>A timestamp as the console prints it: UTC, to the millisecond.</summary>
    public static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}

using System.Globalization;
using System.Text;

namespace Emulator.ControlPlane.Job;

/// <summary>
/// A set of completion indexes in the compressed form of <c>status.completedIndexes</c> (Kubernetes'
/// <c>orderedIntervals</c>): sorted intervals, a run of three or more written <c>a-b</c>, a pair written <c>a,b</c>.
/// </summary>
internal static class CompletedIndexes
{
    /// <summary>Parses <c>1,3-5,7</c>; entries at or beyond <paramref name="completions"/> are dropped.</summary>
    public static SortedSet<int> Parse(string? text, int completions)
    {
        var result = new SortedSet<int>();
        if (string.IsNullOrEmpty(text))
        {
            return result;
        }
        foreach (var part in text.Split(','))
        {
            var bounds = part.Split('-');
            if (!int.TryParse(bounds[0], NumberStyles.None, CultureInfo.InvariantCulture, out var first))
            {
                continue;
            }
            var last = first;
            if (bounds.Length == 2 && !int.TryParse(bounds[1], NumberStyles.None, CultureInfo.InvariantCulture, out last))
            {
                continue;
            }
            for (var i = first; i <= last && i < completions; i++)
            {
                result.Add(i);
            }
        }
        return result;
    }

    /// <summary>Formats a set as Kubernetes writes it.</summary>
    public static string Format(IEnumerable<int> indexes)
    {
        var builder = new StringBuilder();
        var sorted = indexes.Distinct().Order().ToList();
        for (var i = 0; i < sorted.Count;)
        {
            var first = sorted[i];
            var last = first;
            while (i + 1 < sorted.Count && sorted[i + 1] == last + 1)
            {
                i++;
                last = sorted[i];
            }
            i++;
            if (builder.Length > 0)
            {
                builder.Append(',');
            }
            builder.Append(first.ToString(CultureInfo.InvariantCulture));
            if (last > first)
            {
                builder.Append(last == first + 1 ? ',' : '-').Append(last.ToString(CultureInfo.InvariantCulture));
            }
        }
        return builder.ToString();
    }
}

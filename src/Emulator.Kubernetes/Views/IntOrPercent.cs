using System.Globalization;
using System.Text.Json.Nodes;

namespace Emulator.Kubernetes.Views;

/// <summary>
/// Kubernetes' <c>intstr.GetScaledValueFromIntOrPercent</c>: an int-or-string such as <c>maxSurge: 25%</c>
/// resolved against a total, rounding up (maxSurge) or down (maxUnavailable).
/// </summary>
public static class IntOrPercent
{
    /// <summary>Resolves the value against <paramref name="total"/>.</summary>
    /// <exception cref="FormatException">When a string value is not <c>N%</c>.</exception>
    public static int Resolve(JsonNode? value, int total, bool roundUp)
    {
        if (JsonTree.AsInt(value) is { } number)
        {
            return (int)number;
        }
        if (JsonTree.AsString(value) is { } text)
        {
            if (!text.EndsWith('%') || !int.TryParse(text[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var percent))
            {
                throw new FormatException($"invalid value for IntOrString: invalid value \"{text}\": must be an integer or percentage (e.g '5%')");
            }
            var scaled = (double)percent * total / 100;
            return roundUp ? (int)Math.Ceiling(scaled) : (int)Math.Floor(scaled);
        }
        return 0;
    }

    /// <summary>
    /// The Deployment rolling-update bounds Kubernetes derives (<c>deploymentutil.ResolveFenceposts</c>):
    /// maxSurge rounds up, maxUnavailable rounds down, and both zero makes maxUnavailable 1.
    /// </summary>
    public static (int MaxSurge, int MaxUnavailable) ResolveFenceposts(JsonNode? maxSurge, JsonNode? maxUnavailable, int replicas)
    {
        var surge = Resolve(maxSurge, replicas, roundUp: true);
        var unavailable = Resolve(maxUnavailable, replicas, roundUp: false);
        if (surge == 0 && unavailable == 0)
        {
            unavailable = 1;
        }
        return (surge, unavailable);
    }
}

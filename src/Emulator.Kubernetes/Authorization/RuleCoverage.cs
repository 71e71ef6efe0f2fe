namespace Emulator.Kubernetes.Authorization;

/// <summary>
/// RBAC's escalation check (<c>pkg/registry/rbac/validation</c>): a user may only grant — in a role or through a
/// binding — permissions the user holds. Requested rules are broken into single permissions (one verb, group,
/// resource and name, or one path); each must be covered by one rule the user holds.
/// </summary>
public static class RuleCoverage
{
    private const string All = "*";

    /// <summary>The single permissions of <paramref name="requested"/> none of <paramref name="owned"/> covers (<c>Covers</c>).</summary>
    public static IReadOnlyList<PolicyRule> Missing(IReadOnlyList<PolicyRule> owned, IEnumerable<PolicyRule> requested) =>
        requested.SelectMany(Breakdown).Where(single => !owned.Any(owner => Covers(owner, single))).ToList();

    /// <summary>
    /// The message the API server refuses an escalation with: <c>user "jane" (groups=["system:authenticated"]) is
    /// attempting to grant RBAC permissions not currently held:</c> and the missing permissions, compacted (one rule per
    /// group, resource and name with its verbs) and sorted.
    /// </summary>
    public static string EscalationMessage(string user, IReadOnlyList<string> groups, IReadOnlyList<PolicyRule> missing) =>
        $"user \"{user}\" (groups={GoQuoted(groups)}) is attempting to grant RBAC permissions not currently held:\n"
        + string.Join("\n", Compact(missing).Select(CompactString).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));

    /// <summary>One rule per verb, group, resource and name, and per verb and path (<c>BreakdownRule</c>).</summary>
    private static IEnumerable<PolicyRule> Breakdown(PolicyRule rule)
    {
        foreach (var group in rule.ApiGroups)
        {
            foreach (var resource in rule.Resources)
            {
                foreach (var verb in rule.Verbs)
                {
                    if (rule.ResourceNames.Count == 0)
                    {
                        yield return new PolicyRule([verb], [group], [resource], [], []);
                        continue;
                    }
                    foreach (var name in rule.ResourceNames)
                    {
                        yield return new PolicyRule([verb], [group], [resource], [name], []);
                    }
                }
            }
        }
        foreach (var url in rule.NonResourceUrls)
        {
            foreach (var verb in rule.Verbs)
            {
                yield return new PolicyRule([verb], [], [], [], [url]);
            }
        }
    }

    /// <summary>Whether <paramref name="owner"/> covers the single permission <paramref name="single"/> (<c>ruleCovers</c>).</summary>
    private static bool Covers(PolicyRule owner, PolicyRule single)
    {
        var verbs = owner.Verbs.Contains(All) || single.Verbs.All(owner.Verbs.Contains);
        var groups = owner.ApiGroups.Contains(All) || single.ApiGroups.All(owner.ApiGroups.Contains);
        var resources = owner.Resources.Contains(All) || single.Resources.All(r =>
            owner.Resources.Contains(r) || (r.IndexOf('/', StringComparison.Ordinal) is var slash and > 0 && owner.Resources.Contains("*/" + r[(slash + 1)..])));
        var urls = single.NonResourceUrls.All(path => owner.NonResourceUrls.Any(o => o == path || (o.EndsWith(All, StringComparison.Ordinal) && path.StartsWith(o.TrimEnd('*'), StringComparison.Ordinal))));
        var names = single.ResourceNames.Count == 0 ? owner.ResourceNames.Count == 0 : owner.ResourceNames.Count == 0 || single.ResourceNames.All(owner.ResourceNames.Contains);
        return verbs && groups && resources && urls && names;
    }

    /// <summary>Merges single permissions on the same group, resource and name into one rule with their verbs (<c>CompactRules</c>).</summary>
    private static IEnumerable<PolicyRule> Compact(IReadOnlyList<PolicyRule> rules)
    {
        var simple = new Dictionary<(string, string, string), List<string>>();
        var order = new List<(string Group, string Resource, string Name)>();
        foreach (var rule in rules)
        {
            if (rule.ApiGroups.Count != 1 || rule.Resources.Count != 1 || rule.ResourceNames.Count > 1 || rule.NonResourceUrls.Count > 0)
            {
                yield return rule;
                continue;
            }
            var key = (rule.ApiGroups[0], rule.Resources[0], rule.ResourceNames.Count == 1 ? rule.ResourceNames[0] : "");
            if (!simple.TryGetValue(key, out var verbs))
            {
                simple[key] = verbs = [];
                order.Add(key);
            }
            verbs.AddRange(rule.Verbs);
        }
        foreach (var key in order)
        {
            yield return new PolicyRule(simple[key], [key.Group], [key.Resource], key.Name.Length > 0 ? [key.Name] : [], []);
        }
    }

    /// <summary>The rule as <c>CompactString</c> writes it: <c>{APIGroups:["apps"], Resources:["deployments"], Verbs:["get"]}</c>.</summary>
    private static string CompactString(PolicyRule rule)
    {
        var parts = new List<string>();
        void Add(string name, IReadOnlyList<string> values)
        {
            if (values.Count > 0)
            {
                parts.Add(name + ":" + GoQuoted(values));
            }
        }
        Add("APIGroups", rule.ApiGroups);
        Add("Resources", rule.Resources);
        Add("NonResourceURLs", rule.NonResourceUrls);
        Add("ResourceNames", rule.ResourceNames);
        Add("Verbs", rule.Verbs);
        return "{" + string.Join(", ", parts) + "}";
    }

    /// <summary>A string list as Go's <c>%q</c> prints it: <c>["a" "b"]</c>.</summary>
    private static string GoQuoted(IEnumerable<string> values) => "[" + string.Join(' ', values.Select(v => "\"" + v.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"")) + "]";
}

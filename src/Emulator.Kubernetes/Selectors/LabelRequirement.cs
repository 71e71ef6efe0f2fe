using System.Globalization;
using Emulator.Kubernetes.Validation;

namespace Emulator.Kubernetes.Selectors;

/// <summary>One term of a label selector: a key, an operator and its values.</summary>
public sealed class LabelRequirement
{
    private LabelRequirement(string key, SelectorOperator op, IReadOnlyList<string> values)
    {
        Key = key;
        Operator = op;
        Values = values;
    }

    /// <summary>The label key.</summary>
    public string Key { get; }

    /// <summary>The operator.</summary>
    public SelectorOperator Operator { get; }

    /// <summary>The values, sorted.</summary>
    public IReadOnlyList<string> Values { get; }

    /// <summary>
    /// Creates a requirement with Kubernetes' checks (<c>labels.NewRequirement</c>): valid key, valid values,
    /// and the right number of values for the operator.
    /// </summary>
    /// <exception cref="SelectorParseException">With the API server's message.</exception>
    public static LabelRequirement Create(string key, SelectorOperator op, IEnumerable<string> values)
    {
        var keyErrors = NameSyntax.IsQualifiedName(key);
        if (keyErrors.Count > 0)
        {
            throw new SelectorParseException(FieldError.Invalid("<nil>", key, string.Join("; ", keyErrors)).ToString());
        }
        var list = values.Distinct(StringComparer.Ordinal).OrderBy(v => v, StringComparer.Ordinal).ToList();
        switch (op)
        {
            case SelectorOperator.In or SelectorOperator.NotIn when list.Count == 0:
                throw new SelectorParseException("values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty");
            case SelectorOperator.Equals or SelectorOperator.DoubleEquals or SelectorOperator.NotEquals when list.Count != 1:
                throw new SelectorParseException("values: Invalid value: " + JsonList(list) + ": exact-match compatibility requires one single value");
            case SelectorOperator.Exists or SelectorOperator.DoesNotExist when list.Count != 0:
                throw new SelectorParseException("values: Invalid value: " + JsonList(list) + ": values set must be empty for exists and does not exist");
            case SelectorOperator.GreaterThan or SelectorOperator.LessThan:
                if (list.Count != 1)
                {
                    throw new SelectorParseException("values: Invalid value: " + JsonList(list) + ": for 'Gt', 'Lt' operators, exactly one value is required");
                }
                if (!long.TryParse(list[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
                {
                    throw new SelectorParseException($"values[0]: Invalid value: \"{list[0]}\": for 'Gt', 'Lt' operators, the value must be an integer");
                }
                break;
        }
        for (var i = 0; i < list.Count; i++)
        {
            var valueErrors = NameSyntax.IsValidLabelValue(list[i]);
            if (valueErrors.Count > 0)
            {
                throw new SelectorParseException(FieldError.Invalid($"values[{i}]", list[i], string.Join("; ", valueErrors)).ToString());
            }
        }
        return new LabelRequirement(key, op, list);
    }

    /// <summary>True when the labels satisfy this requirement.</summary>
    public bool Matches(IReadOnlyDictionary<string, string> labels)
    {
        var has = labels.TryGetValue(Key, out var value);
        switch (Operator)
        {
            case SelectorOperator.Equals:
            case SelectorOperator.DoubleEquals:
            case SelectorOperator.In:
                return has && Values.Contains(value!);
            case SelectorOperator.NotEquals:
            case SelectorOperator.NotIn:
                return !has || !Values.Contains(value!);
            case SelectorOperator.Exists:
                return has;
            case SelectorOperator.DoesNotExist:
                return !has;
            case SelectorOperator.GreaterThan:
            case SelectorOperator.LessThan:
                if (!has || !long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var actual))
                {
                    return false;
                }
                var bound = long.Parse(Values[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
                return Operator == SelectorOperator.GreaterThan ? actual > bound : actual < bound;
            default:
                return false;
        }
    }

    /// <summary>The string form Kubernetes prints (<c>app=web</c>, <c>tier in (a,b)</c>, <c>!x</c>).</summary>
    public override string ToString() => Operator switch
    {
        SelectorOperator.Equals => $"{Key}={Values[0]}",
        SelectorOperator.DoubleEquals => $"{Key}=={Values[0]}",
        SelectorOperator.NotEquals => $"{Key}!={Values[0]}",
        SelectorOperator.In => $"{Key} in ({string.Join(",", Values)})",
        SelectorOperator.NotIn => $"{Key} notin ({string.Join(",", Values)})",
        SelectorOperator.Exists => Key,
        SelectorOperator.DoesNotExist => "!" + Key,
        SelectorOperator.GreaterThan => $"{Key}>{Values[0]}",
        SelectorOperator.LessThan => $"{Key}<{Values[0]}",
        _ => Key,
    };

    private static string JsonList(IEnumerable<string> values) => "[" + string.Join(",", values.Select(v => "\"" + v + "\"")) + "]";
}

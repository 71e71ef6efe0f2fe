using System.Text.RegularExpressions;

namespace Emulator.Kubernetes.Validation;

/// <summary>
/// The syntax checks of Kubernetes' <c>k8s.io/apimachinery/pkg/util/validation</c>, returning the
/// same messages (an empty list means valid).
/// </summary>
public static partial class NameSyntax
{
    /// <summary>Regex of an RFC 1123 label.</summary>
    public const string Dns1123LabelFormat = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";

    /// <summary>Regex of an RFC 1123 subdomain.</summary>
    public const string Dns1123SubdomainFormat = Dns1123LabelFormat + "(\\." + Dns1123LabelFormat + ")*";

    /// <summary>Regex of an RFC 1035 label.</summary>
    public const string Dns1035LabelFormat = "[a-z]([-a-z0-9]*[a-z0-9])?";

    /// <summary>Regex of the name part of a qualified name (label key).</summary>
    public const string QualifiedNameFormat = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";

    /// <summary>Regex of a label value.</summary>
    public const string LabelValueFormat = "(" + QualifiedNameFormat + ")?";

    /// <summary>Regex of a ConfigMap/Secret key.</summary>
    public const string ConfigMapKeyFormat = "[-._a-zA-Z0-9]+";

    private const string Dns1123LabelErrorMessage = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
    private const string Dns1123SubdomainErrorMessage = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
    private const string Dns1035LabelErrorMessage = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character";
    private const string QualifiedNameErrorMessage = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
    private const string LabelValueErrorMessage = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
    private const string ConfigMapKeyErrorMessage = "a valid config key must consist of alphanumeric characters, '-', '_' or '.'";
    private const string PortNameErrorMessage = "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)";

    [GeneratedRegex("^" + Dns1123LabelFormat + "$")]
    private static partial Regex Dns1123Label();

    [GeneratedRegex("^" + Dns1123SubdomainFormat + "$")]
    private static partial Regex Dns1123Subdomain();

    [GeneratedRegex("^" + Dns1035LabelFormat + "$")]
    private static partial Regex Dns1035Label();

    [GeneratedRegex("^" + QualifiedNameFormat + "$")]
    private static partial Regex QualifiedName();

    [GeneratedRegex("^" + LabelValueFormat + "$")]
    private static partial Regex LabelValue();

    [GeneratedRegex("^" + ConfigMapKeyFormat + "$")]
    private static partial Regex ConfigMapKey();

    [GeneratedRegex("^[-a-z0-9]+$")]
    private static partial Regex PortNameCharacters();

    [GeneratedRegex("[a-z]")]
    private static partial Regex PortNameLetter();

    [GeneratedRegex("^[0-9]+%$")]
    private static partial Regex Percent();

    /// <summary>Builds Kubernetes' regex error text: <c>msg (e.g. 'a',  or 'b', regex used for validation is 'fmt')</c>.</summary>
    public static string RegexError(string message, string format, params string[] examples)
    {
        if (examples.Length == 0)
        {
            return message + " (regex used for validation is '" + format + "')";
        }
        var text = message + " (e.g. ";
        for (var i = 0; i < examples.Length; i++)
        {
            if (i > 0)
            {
                text += " or ";
            }
            text += "'" + examples[i] + "', ";
        }
        return text + "regex used for validation is '" + format + "')";
    }

    /// <summary><c>must be no more than N characters</c>.</summary>
    public static string MaxLengthError(int length) => $"must be no more than {length} characters";

    /// <summary>Checks an RFC 1123 label (≤63).</summary>
    public static List<string> IsDns1123Label(string value)
    {
        var errors = new List<string>();
        if (value.Length > 63)
        {
            errors.Add(MaxLengthError(63));
        }
        if (!Dns1123Label().IsMatch(value))
        {
            errors.Add(RegexError(Dns1123LabelErrorMessage, Dns1123LabelFormat, "my-name", "123-abc"));
        }
        return errors;
    }

    /// <summary>Checks an RFC 1123 subdomain (≤253).</summary>
    public static List<string> IsDns1123Subdomain(string value)
    {
        var errors = new List<string>();
        if (value.Length > 253)
        {
            errors.Add(MaxLengthError(253));
        }
        if (!Dns1123Subdomain().IsMatch(value))
        {
            errors.Add(RegexError(Dns1123SubdomainErrorMessage, Dns1123SubdomainFormat, "example.com"));
        }
        return errors;
    }

    /// <summary>Checks an RFC 1035 label (≤63, starts with a letter).</summary>
    public static List<string> IsDns1035Label(string value)
    {
        var errors = new List<string>();
        if (value.Length > 63)
        {
            errors.Add(MaxLengthError(63));
        }
        if (!Dns1035Label().IsMatch(value))
        {
            errors.Add(RegexError(Dns1035LabelErrorMessage, Dns1035LabelFormat, "my-name", "abc-123"));
        }
        return errors;
    }

    /// <summary>Checks a qualified name <c>[prefix/]name</c> (label and annotation keys).</summary>
    public static List<string> IsQualifiedName(string value)
    {
        var errors = new List<string>();
        var parts = value.Split('/');
        string name;
        switch (parts.Length)
        {
            case 1:
                name = parts[0];
                break;
            case 2:
                var prefix = parts[0];
                name = parts[1];
                if (prefix.Length == 0)
                {
                    errors.Add("prefix part must be non-empty");
                }
                else
                {
                    errors.AddRange(IsDns1123Subdomain(prefix).Select(m => "prefix part " + m));
                }
                break;
            default:
                errors.Add("a qualified name " + RegexError(QualifiedNameErrorMessage, QualifiedNameFormat, "MyName", "my.name", "123-abc")
                    + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')");
                return errors;
        }
        if (name.Length == 0)
        {
            errors.Add("name part must be non-empty");
        }
        else if (name.Length > 63)
        {
            errors.Add("name part " + MaxLengthError(63));
        }
        if (!QualifiedName().IsMatch(name))
        {
            errors.Add("name part " + RegexError(QualifiedNameErrorMessage, QualifiedNameFormat, "MyName", "my.name", "123-abc"));
        }
        return errors;
    }

    /// <summary>Checks a label value (≤63, may be empty).</summary>
    public static List<string> IsValidLabelValue(string value)
    {
        var errors = new List<string>();
        if (value.Length > 63)
        {
            errors.Add(MaxLengthError(63));
        }
        if (!LabelValue().IsMatch(value))
        {
            errors.Add(RegexError(LabelValueErrorMessage, LabelValueFormat, "MyValue", "my_value", "12345"));
        }
        return errors;
    }

    /// <summary>Checks a ConfigMap or Secret data key.</summary>
    public static List<string> IsConfigMapKey(string value)
    {
        var errors = new List<string>();
        if (value.Length > 253)
        {
            errors.Add(MaxLengthError(253));
        }
        if (!ConfigMapKey().IsMatch(value))
        {
            errors.Add(RegexError(ConfigMapKeyErrorMessage, ConfigMapKeyFormat, "key.name", "KEY_NAME", "key-name"));
        }
        if (value is "." or "..")
        {
            errors.Add($"must not be '{value}'");
        }
        else if (value.StartsWith("..", StringComparison.Ordinal))
        {
            errors.Add("must not start with '..'");
        }
        return errors;
    }

    /// <summary>Checks a port number (1–65535).</summary>
    public static List<string> IsValidPortNumber(long port) =>
        port is >= 1 and <= 65535 ? [] : ["must be between 1 and 65535, inclusive"];

    /// <summary>Checks a port name (IANA service name: ≤15, lowercase alphanumerics and '-', a letter, no '--').</summary>
    public static List<string> IsValidPortName(string name)
    {
        var errors = new List<string>();
        if (name.Length > 15)
        {
            errors.Add(MaxLengthError(15));
        }
        if (!PortNameCharacters().IsMatch(name))
        {
            errors.Add(PortNameErrorMessage);
        }
        if (!PortNameLetter().IsMatch(name))
        {
            errors.Add("must contain at least one letter (a-z)");
        }
        if (name.Contains("--", StringComparison.Ordinal))
        {
            errors.Add("must not contain consecutive hyphens");
        }
        if (name.Length > 0 && (name[0] == '-' || name[^1] == '-'))
        {
            errors.Add("must not begin or end with a hyphen");
        }
        return errors;
    }

    /// <summary>Checks a percent string such as <c>25%</c>.</summary>
    public static List<string> IsValidPercent(string value) =>
        Percent().IsMatch(value) ? [] : [RegexError("a valid percent string must be a numeric string followed by an ending '%'", "[0-9]+%", "1%", "93%")];
}

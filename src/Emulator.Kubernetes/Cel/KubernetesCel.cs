using System.Collections;
using System.Diagnostics.CodeAnalysis;
using Antlr4.Runtime;
using Antlr4.Runtime.Tree;
using Cel;
using Cel.Internal;

namespace Emulator.Kubernetes.Cel;

/// <summary>
/// The CEL environment the API server gives CRD validation rules and admission policies: the standard functions and
/// macros plus Kubernetes' libraries (strings, lists, regex, URLs, quantity, IP/CIDR, format, sets, optional). Expressions
/// are checked when compiled: a call to a function no library declares, or a name that is not a declared variable, is
/// refused as the API server's type checker refuses it (<c>undeclared reference to 'x' (in container '')</c>).
/// </summary>
public static class KubernetesCel
{
    private static readonly Lock CompileLock = new();
    private static readonly CelEnvironment Environment = new(null, null);
    private static readonly HashSet<string> KnownFunctions = new(StringComparer.Ordinal)
    {
        // The CEL standard functions the library provides.
        "size", "contains", "startsWith", "endsWith", "matches", "int", "uint", "double", "string", "bytes", "timestamp",
        "duration", "dyn", "type", "has", "getFullYear", "getMonth", "getDate", "getDayOfMonth", "getDayOfWeek",
        "getDayOfYear", "getHours", "getMinutes", "getSeconds", "getMilliseconds",
    };

    private static readonly HashSet<string> Macros = new(StringComparer.Ordinal) { "all", "exists", "exists_one", "filter", "map" };

    // Type names and the namespaces of the libraries' namespaced functions (format.named, ip.isCanonical, sets.contains).
    private static readonly Dictionary<string, object> Namespaces = new(StringComparer.Ordinal)
    {
        ["format"] = FormatLibrary.FormatNamespace.Instance,
        ["optional"] = OptionalLibrary.OptionalNamespace.Instance,
        ["sets"] = SetsLibrary.SetsNamespace.Instance,
        ["strings"] = StringsLibrary.StringsNamespace.Instance,
        ["ip"] = IpLibrary.IpNamespace.Instance,
    };

    private static readonly HashSet<string> TypeNames = new(StringComparer.Ordinal)
    {
        "int", "uint", "double", "string", "bytes", "bool", "list", "map", "null_type", "type", "dyn",
    };

    static KubernetesCel()
    {
        var registry = new CelRegistry(Environment);
        // The standard bool() conversion, which the library lacks.
        registry.Add<bool>("bool", b => b);
        registry.Add<string>("bool", s => s switch
        {
            "true" or "True" or "TRUE" or "t" or "1" => true,
            "false" or "False" or "FALSE" or "f" or "0" => false,
            _ => throw new CelConversionException($"type conversion error from 'string' to 'bool'"),
        });
        StringsLibrary.Register(registry);
        ListsLibrary.Register(registry);
        RegexLibrary.Register(registry);
        UrlsLibrary.Register(registry);
        QuantityLibrary.Register(registry);
        IpLibrary.Register(registry);
        FormatLibrary.Register(registry);
        OptionalLibrary.Register(registry);
        SetsLibrary.Register(registry);
        KnownFunctions.UnionWith(registry.Functions);
    }

    /// <summary>
    /// Compiles <paramref name="expression"/> over <paramref name="variables"/> (e.g. <c>self</c>, <c>oldSelf</c>).
    /// </summary>
    /// <exception cref="CelCompileException">With cel-go's <c>ERROR: &lt;input&gt;:LINE:COLUMN: ...</c> text.</exception>
    /// <exception cref="CelUnsupportedException">For valid CEL the library here cannot evaluate.</exception>
    public static CompiledExpression Compile(string expression, IEnumerable<string> variables)
    {
        CelParser.StartContext parsed;
        CelProgramDelegate program;
        lock (CompileLock)
        {
            try
            {
                parsed = Environment.Parse(expression);
            }
            catch (CelException e)
            {
                throw new CelCompileException($"ERROR: <input>:{SyntaxLocation(e.Message)}: Syntax error: {SyntaxDetail(e.Message)}\n{Snippet(expression, e.Message)}");
            }
            var declared = new HashSet<string>(variables, StringComparer.Ordinal);
            if (FindUndeclared(parsed, declared) is { } undeclared)
            {
                throw new CelCompileException(
                    $"ERROR: <input>:{undeclared.Line}:{undeclared.Column + 1}: undeclared reference to '{undeclared.Name}' (in container '')\n"
                    + $" | {Line(expression, undeclared.Line)}\n | {new string('.', undeclared.Column)}^");
            }
            program = Environment.Compile(parsed);
        }
        return new CompiledExpression(expression, program);
    }

    /// <summary>The names a compiled expression sees besides its variables: the libraries' namespaces.</summary>
    internal static bool TryGetNamespace(string name, [NotNullWhen(true)] out object? value) => Namespaces.TryGetValue(name, out value);

    private sealed record Undeclared(string Name, int Line, int Column);

    private static Undeclared? FindUndeclared(IParseTree node, HashSet<string> scope)
    {
        switch (node)
        {
            case CelParser.SelectContext { opt: not null } or CelParser.IndexContext { opt: not null } or CelParser.OptExprContext { opt: not null }:
                throw new CelUnsupportedException("optional field selection and indexing (?.) are not supported by the CEL library here");
            case CelParser.MemberCallContext call:
                {
                    var name = call.id.Text;
                    var args = call.exprList()?._e;
                    if (name == "map" && args is { Count: 3 })
                    {
                        throw new CelUnsupportedException("the three-argument map macro is not supported by the CEL library here");
                    }
                    if (Macros.Contains(name) && args is { Count: 2 })
                    {
                        // A comprehension binds its first argument in its second.
                        var bound = new HashSet<string>(scope, StringComparer.Ordinal) { args[0].GetText() };
                        return FindUndeclared(call.member(), scope) ?? FindUndeclared(args[1], bound);
                    }
                    if (!KnownFunctions.Contains(name))
                    {
                        return new Undeclared(name, call.open?.Line ?? call.id.Line, call.open?.Column ?? call.id.Column);
                    }
                    break;
                }
            case CelParser.IdentOrGlobalCallContext ident:
                {
                    var name = ident.id.Text;
                    if (ident.op is not null)
                    {
                        if (!KnownFunctions.Contains(name))
                        {
                            return new Undeclared(name, ident.op.Line, ident.op.Column);
                        }
                    }
                    else if (!scope.Contains(name) && !Namespaces.ContainsKey(name) && !TypeNames.Contains(name))
                    {
                        return new Undeclared(name, ident.id.Line, ident.id.Column);
                    }
                    break;
                }
        }
        for (var i = 0; i < node.ChildCount; i++)
        {
            if (FindUndeclared(node.GetChild(i), scope) is { } found)
            {
                return found;
            }
        }
        return null;
    }

    private static string Line(string expression, int line) =>
        expression.Split('\n') is var lines && line - 1 < lines.Length ? lines[line - 1] : expression;

    // The library reports "Line L:C message" (C counted from zero); cel-go counts columns from one.
    private static string SyntaxLocation(string message) =>
        System.Text.RegularExpressions.Regex.Match(message, @"^Line (\d+):(\d+)") is { Success: true } m
            ? $"{m.Groups[1].Value}:{int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture) + 1}"
            : "1:1";

    private static string SyntaxDetail(string message) =>
        System.Text.RegularExpressions.Regex.Replace(message, @"^Line \d+:\d+ ", "");

    private static string Snippet(string expression, string message)
    {
        var m = System.Text.RegularExpressions.Regex.Match(message, @"^Line (\d+):(\d+)");
        var line = m.Success ? int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 1;
        var column = m.Success ? int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
        return $" | {Line(expression, line)}\n | {new string('.', column)}^";
    }
}

/// <summary>A CEL expression compiled in <see cref="KubernetesCel"/>'s environment.</summary>
public sealed class CompiledExpression
{
    private readonly CelProgramDelegate _program;

    internal CompiledExpression(string source, CelProgramDelegate program)
    {
        Source = source;
        _program = program;
    }

    /// <summary>The expression text.</summary>
    public string Source { get; }

    /// <summary>
    /// Evaluates with <paramref name="variables"/>; <paramref name="lazy"/> resolves names not among them on first use
    /// (an admission policy's <c>variables.NAME</c>), returning false for a name it does not know.
    /// </summary>
    /// <exception cref="CelException">On an evaluation error.</exception>
    public object? Evaluate(IReadOnlyDictionary<string, object?> variables, CelLazyVariable? lazy = null) =>
        _program(new Activation(variables, lazy));

    /// <summary>The variables the program reads: the given ones, the libraries' namespaces, then the lazy ones.</summary>
    private sealed class Activation(IReadOnlyDictionary<string, object?> values, CelLazyVariable? lazy) : IDictionary<string, object?>
    {
        public bool TryGetValue(string key, out object? value)
        {
            if (values.TryGetValue(key, out value))
            {
                return true;
            }
            if (KubernetesCel.TryGetNamespace(key, out var ns))
            {
                value = ns;
                return true;
            }
            if (lazy is not null && lazy(key, out value))
            {
                return true;
            }
            value = null;
            return false;
        }

        public object? this[string key]
        {
            get => TryGetValue(key, out var value) ? value : throw new KeyNotFoundException(key);
            set => throw new NotSupportedException();
        }

        public ICollection<string> Keys => values.Keys.ToList();

        public ICollection<object?> Values => values.Values.ToList();

        public int Count => values.Count;

        public bool IsReadOnly => true;

        public bool ContainsKey(string key) => TryGetValue(key, out _);

        public bool Contains(KeyValuePair<string, object?> item) => TryGetValue(item.Key, out var value) && Equals(value, item.Value);

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => values.GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        public void Add(string key, object? value) => throw new NotSupportedException();

        public void Add(KeyValuePair<string, object?> item) => throw new NotSupportedException();

        public void Clear() => throw new NotSupportedException();

        public void CopyTo(KeyValuePair<string, object?>[] array, int arrayIndex) => values.ToArray().CopyTo(array, arrayIndex);

        public bool Remove(string key) => throw new NotSupportedException();

        public bool Remove(KeyValuePair<string, object?> item) => throw new NotSupportedException();
    }
}

/// <summary>Resolves a variable on first use; false when <paramref name="name"/> is not one it knows.</summary>
public delegate bool CelLazyVariable(string name, out object? value);

/// <summary>An expression the environment refuses: a syntax error or an undeclared reference.</summary>
public sealed class CelCompileException(string message) : Exception(message);

/// <summary>Valid CEL the library here cannot evaluate (optional selection, the three-argument map macro).</summary>
public sealed class CelUnsupportedException(string message) : Exception(message);

using Cel;
using Cel.Internal;

namespace Emulator.Kubernetes.Cel;

/// <summary>
/// Registers one library's functions on the environment and remembers their names, so that a rule calling a function
/// no library declares can be refused when it is compiled, as the API server's type checker does.
/// </summary>
public sealed class CelRegistry(ICelEnvironment environment)
{
    private readonly HashSet<string> _functions = new(StringComparer.Ordinal);

    /// <summary>The function names registered (global and receiver-style: the library dispatches both alike).</summary>
    public IReadOnlySet<string> Functions => _functions;

    /// <summary>Registers an overload of <paramref name="name"/> taking <paramref name="argTypes"/> (the receiver first).</summary>
    public void Add(string name, Type[] argTypes, Func<object?[], object?> body)
    {
        _functions.Add(name);
        environment.RegisterFunction(name, argTypes, new CelFunctionDelegate(args => body(args)));
        if (argTypes.Contains(typeof(long)))
        {
            // The library's size() yields int32: an int64 parameter takes those too.
            var narrowed = argTypes.Select(t => t == typeof(long) ? typeof(int) : t).ToArray();
            environment.RegisterFunction(name, narrowed, new CelFunctionDelegate(args =>
                body(args.Select(a => a is int i ? (long)i : a).ToArray())));
        }
    }

    /// <summary>Registers an overload taking one argument.</summary>
    public void Add<T>(string name, Func<T, object?> body) => Add(name, [typeof(T)], a => body((T)a[0]!));

    /// <summary>Registers an overload taking two arguments.</summary>
    public void Add<T1, T2>(string name, Func<T1, T2, object?> body) =>
        Add(name, [typeof(T1), typeof(T2)], a => body((T1)a[0]!, (T2)a[1]!));

    /// <summary>Registers an overload taking three arguments.</summary>
    public void Add<T1, T2, T3>(string name, Func<T1, T2, T3, object?> body) =>
        Add(name, [typeof(T1), typeof(T2), typeof(T3)], a => body((T1)a[0]!, (T2)a[1]!, (T3)a[2]!));
}

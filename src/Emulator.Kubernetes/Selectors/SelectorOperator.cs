namespace Emulator.Kubernetes.Selectors;

/// <summary>Label selector operators (Kubernetes <c>selection.Operator</c>).</summary>
public enum SelectorOperator
{
    /// <summary><c>key=value</c>.</summary>
    Equals,

    /// <summary><c>key==value</c>.</summary>
    DoubleEquals,

    /// <summary><c>key!=value</c>.</summary>
    NotEquals,

    /// <summary><c>key in (a,b)</c>.</summary>
    In,

    /// <summary><c>key notin (a,b)</c>.</summary>
    NotIn,

    /// <summary><c>key</c>.</summary>
    Exists,

    /// <summary><c>!key</c>.</summary>
    DoesNotExist,

    /// <summary><c>key&gt;n</c> (numeric).</summary>
    GreaterThan,

    /// <summary><c>key&lt;n</c> (numeric).</summary>
    LessThan,
}

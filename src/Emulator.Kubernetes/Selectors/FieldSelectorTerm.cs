namespace Emulator.Kubernetes.Selectors;

/// <summary>One term of a field selector: <c>field=value</c> (or <c>==</c>) when <see cref="Negated"/> is false, <c>field!=value</c> otherwise.</summary>
/// <param name="Field">The field label, e.g. <c>spec.nodeName</c>.</param>
/// <param name="Value">The unescaped value.</param>
/// <param name="Negated">True for <c>!=</c>.</param>
public sealed record FieldSelectorTerm(string Field, string Value, bool Negated)
{
    /// <inheritdoc />
    public override string ToString() => $"{Field}{(Negated ? "!=" : "=")}{FieldSelector.EscapeValue(Value)}";
}

namespace Emulator.Fuzzing;

/// <summary>One hostile request: what it does to which resource, and the bytes it sends.</summary>
/// <param name="Number">Its position in the run (with the seed, it reproduces the case).</param>
/// <param name="Description">What was mutated, for the failure report.</param>
/// <param name="Method">HTTP method.</param>
/// <param name="Path">Request path (and query).</param>
/// <param name="ContentType">The <c>Content-Type</c> header (null: none).</param>
/// <param name="Body">The body (null: none).</param>
public sealed record FuzzCase(int Number, string Description, HttpMethod Method, string Path, string? ContentType, byte[]? Body)
{
    /// <inheritdoc />
    public override string ToString() => $"#{Number} {Method} {Path} [{ContentType ?? "no content type"}] {Description}";
}

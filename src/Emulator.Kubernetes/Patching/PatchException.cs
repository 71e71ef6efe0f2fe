namespace Emulator.Kubernetes.Patching;

/// <summary>A patch that is malformed or does not apply (a failed JSON patch <c>test</c>, a missing path, a bad directive).</summary>
public sealed class PatchException : Exception
{
    /// <summary>Creates the exception.</summary>
    public PatchException(string message)
        : base(message)
    {
    }
}

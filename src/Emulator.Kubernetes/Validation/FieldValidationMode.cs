namespace Emulator.Kubernetes.Validation;

/// <summary>The <c>fieldValidation</c> query parameter: what to do with unknown or duplicate fields.</summary>
public enum FieldValidationMode
{
    /// <summary>Drop unknown fields silently.</summary>
    Ignore,

    /// <summary>Drop unknown fields and return warnings (the server default).</summary>
    Warn,

    /// <summary>Reject the request with 400 BadRequest.</summary>
    Strict,
}

namespace Emulator.Kubernetes.Validation;

/// <summary>The kinds of field errors Kubernetes reports, named as in <c>details.causes[].reason</c>.</summary>
public enum FieldErrorType
{
    /// <summary><c>FieldValueInvalid</c>, printed "Invalid value".</summary>
    FieldValueInvalid,

    /// <summary><c>FieldValueRequired</c>, printed "Required value".</summary>
    FieldValueRequired,

    /// <summary><c>FieldValueNotSupported</c>, printed "Unsupported value".</summary>
    FieldValueNotSupported,

    /// <summary><c>FieldValueForbidden</c>, printed "Forbidden".</summary>
    FieldValueForbidden,

    /// <summary><c>FieldValueDuplicate</c>, printed "Duplicate value".</summary>
    FieldValueDuplicate,

    /// <summary><c>FieldValueTooLong</c>, printed "Too long".</summary>
    FieldValueTooLong,

    /// <summary><c>FieldValueNotFound</c>, printed "Not found".</summary>
    FieldValueNotFound,

    /// <summary><c>FieldValueTooMany</c>, printed "Too many".</summary>
    FieldValueTooMany,

    /// <summary><c>field.TypeInvalid</c>: printed as <c>Invalid value</c>.</summary>
    FieldValueTypeInvalid,
}

namespace Cpns.Server.Errors;

/// <summary>The kinds of failure the API maps to HTTP status codes.</summary>
internal enum ServerErrorKind
{
    Validation,
    NotFound,
    Conflict,
    Forbidden,

    /// <summary>A credential (enrollment token) was refused: 401.</summary>
    Unauthorized,
}

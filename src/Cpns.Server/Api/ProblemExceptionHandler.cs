using System.Text.Json;
using Cpns.Server.Errors;
using Cpns.Server.Storage;
using Cpns.Server.Telemetry;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;

namespace Cpns.Server.Api;

/// <summary>
/// Turns exceptions into RFC 9457 problem details: <see cref="ServerException"/> by its kind, a body that is not
/// valid JSON (or has a field of the wrong type) into 400 naming the field, the database out of reach into 503 (with
/// Retry-After: nothing of the request was kept, the caller retries), anything else into a bare 500.
/// </summary>
internal sealed partial class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger, ServerMetrics metrics) : IExceptionHandler
{
    private const string RetryAfterSeconds = "5";

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ProblemDetails problem;
        switch (exception)
        {
            case ServerException { Kind: ServerErrorKind.Forbidden or ServerErrorKind.Unauthorized } e:
                // A valid key on another tenant's group, or a refused enrollment token: logged and counted (the
                // key id names the caller; neither the key nor the token is ever logged).
                var reason = e.Kind == ServerErrorKind.Forbidden ? "not_owner" : "enrollment_refused";
                LogRefused(logger, httpContext.Request.Method, httpContext.Request.Path, httpContext.User.FindFirst(Auth.Caller.KeyIdClaim)?.Value, reason);
                metrics.ApiRefused(reason);
                problem = new ProblemDetails
                {
                    Status = e.Kind == ServerErrorKind.Forbidden ? StatusCodes.Status403Forbidden : StatusCodes.Status401Unauthorized,
                    Title = e.Title,
                    Detail = e.Message,
                };
                break;
            case ServerException { Kind: ServerErrorKind.Validation } e:
                problem = Invalid(e.Field ?? "body", e.Message);
                break;
            case ServerException e:
                problem = new ProblemDetails
                {
                    Status = e.Kind switch
                    {
                        ServerErrorKind.NotFound => StatusCodes.Status404NotFound,
                        ServerErrorKind.Conflict => StatusCodes.Status409Conflict,
                        ServerErrorKind.Forbidden => StatusCodes.Status403Forbidden,
                        ServerErrorKind.Unauthorized => StatusCodes.Status401Unauthorized,
                        _ => StatusCodes.Status400BadRequest,
                    },
                    Title = e.Title,
                    Detail = e.Message,
                };
                break;
            case BadHttpRequestException e:
                problem = e.InnerException is JsonException json
                    ? Invalid(FieldName(json.Path), "The field has the wrong type or the JSON is malformed.")
                    : Invalid("body", e.Message);
                problem.Status = e.StatusCode;
                break;
            case var e when CpnsDatabase.IsUnavailable(e):
                // Expected during an outage: one line per request, no stack trace; the request did nothing.
                LogDatabaseUnavailable(logger, httpContext.Request.Method, httpContext.Request.Path, e.GetBaseException().GetType().Name);
                httpContext.Response.Headers.RetryAfter = RetryAfterSeconds;
                problem = new ProblemDetails
                {
                    Status = StatusCodes.Status503ServiceUnavailable,
                    Title = "Database unavailable",
                    Detail = "The database is unavailable; the request was not carried out and nothing of it was kept. Retry later.",
                };
                break;
            default:
                LogUnhandled(logger, httpContext.Request.Method, httpContext.Request.Path, exception);
                problem = new ProblemDetails { Status = StatusCodes.Status500InternalServerError, Title = "Internal error" };
                break;
        }

        httpContext.Response.StatusCode = problem.Status ?? StatusCodes.Status500InternalServerError;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = exception })
            .ConfigureAwait(false);
    }

    private static HttpValidationProblemDetails Invalid(string field, string message) =>
        new(new Dictionary<string, string[]> { [field] = [message] })
        {
            Status = StatusCodes.Status400BadRequest,
            Title = "Invalid request",
            Detail = $"{field}: {message}",
        };

    // System.Text.Json reports "$.policy.rotationIntervalSeconds"; the API names fields without the root.
    private static string FieldName(string? path) =>
        string.IsNullOrEmpty(path) || path == "$" ? "body" : path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path;
}

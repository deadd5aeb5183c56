using System.Security.Claims;
using System.Text.Encodings.Web;
using Cpns.Server.Telemetry;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cpns.Server.Auth;

/// <summary>
/// Authenticates <c>Authorization: Bearer &lt;key&gt;</c> or <c>X-Api-Key: &lt;key&gt;</c>. Challenges and
/// forbids with RFC 9457 problem details rather than the bare status codes the default handlers send.
/// </summary>
internal sealed partial class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    ApiKeyService apiKeys,
    IProblemDetailsService problems,
    ServerMetrics metrics) : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-Api-Key";
    private const string FailureKey = "cpns:auth-failure";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? presented = null;
        var authorization = Request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            presented = authorization["Bearer ".Length..].Trim();
        }
        else if (Request.Headers.TryGetValue(HeaderName, out var header))
        {
            presented = header.ToString().Trim();
        }

        if (string.IsNullOrEmpty(presented))
        {
            Context.Items[FailureKey] = "No API key: send Authorization: Bearer <key> or X-Api-Key.";
            return AuthenticateResult.NoResult();
        }

        var caller = await apiKeys.AuthenticateAsync(presented, Context.RequestAborted).ConfigureAwait(false);
        if (caller is null)
        {
            // The key itself is never logged; its shape says enough for diagnosis.
            LogRejected(Logger, Request.Path);
            metrics.ApiRefused("invalid_api_key");
            Context.Items[FailureKey] = "The API key is not valid.";
            return AuthenticateResult.Fail("Invalid API key.");
        }

        var identity = new ClaimsIdentity(
            [
                new Claim(Caller.KeyIdClaim, caller.KeyId),
                new Claim(ClaimTypes.Name, caller.Name),
                new Claim(Caller.ScopeClaim, caller.Scope.ToString()),
            ],
            SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails =
            {
                Status = StatusCodes.Status401Unauthorized,
                Title = "Unauthorized",
                Detail = Context.Items[FailureKey] as string ?? "A valid API key is required.",
            },
        }).ConfigureAwait(false);
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        // An application key on an operator-only operation: a valid key used beyond its scope.
        LogForbidden(Logger, Request.Method, Request.Path, Context.User.FindFirst(Caller.KeyIdClaim)?.Value, "operator_scope_required");
        metrics.ApiRefused("operator_scope_required");
        Response.StatusCode = StatusCodes.Status403Forbidden;
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails =
            {
                Status = StatusCodes.Status403Forbidden,
                Title = "Forbidden",
                Detail = "This operation needs an operator API key.",
            },
        }).ConfigureAwait(false);
    }
}

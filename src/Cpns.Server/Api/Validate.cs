using System.Diagnostics.CodeAnalysis;
using Cpns.Server.Domain;
using Cpns.Server.Errors;

namespace Cpns.Server.Api;

/// <summary>Request validation; each failure names the JSON field (400 problem details).</summary>
internal static class Validate
{
    public const int MaxNameLength = 200;

    public static T Body<T>([NotNull] T? body)
        where T : class =>
        body ?? throw ServerError.Invalid("body", "A JSON body is required.");

    public static string Name(string? value, string field)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw ServerError.Invalid(field, $"'{field}' is required.");
        }

        return value.Length <= MaxNameLength ? value.Trim() : throw ServerError.Invalid(field, $"'{field}' is longer than {MaxNameLength} characters.");
    }

    public static string Id(string? value, string field) =>
        Identifiers.IsValid(value)
            ? value!
            : throw ServerError.Invalid(field, $"'{field}' must be 1 to {Identifiers.MaxLength} characters from A-Z, a-z, 0-9, '.', '_', '-'.");

    public static string? OptionalText(string? value, string field) =>
        value is null || value.Length <= MaxNameLength ? value : throw ServerError.Invalid(field, $"'{field}' is longer than {MaxNameLength} characters.");

    public static int? Range(int? value, string field, int min, int max) =>
        value is null || (value >= min && value <= max) ? value : throw ServerError.Invalid(field, $"'{field}' must be between {min} and {max}.");
}

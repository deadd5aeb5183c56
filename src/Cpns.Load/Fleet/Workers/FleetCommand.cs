using System.Text.Json.Serialization;

namespace Cpns.Load.Fleet.Workers;

/// <summary>A line from the bench process to a fleet worker (its standard input): JSON, the <c>type</c> property first.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type", UnknownDerivedTypeHandling = JsonUnknownDerivedTypeHandling.FailSerialization)]
[JsonDerivedType(typeof(InitCommand), "init")]
[JsonDerivedType(typeof(GrowCommand), "grow")]
[JsonDerivedType(typeof(UsageCommand), "usage")]
internal abstract record FleetCommand;

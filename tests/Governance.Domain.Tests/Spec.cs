using System.Text.Json;
using System.Text.Json.Serialization;
using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;

namespace Governance.Domain.Tests;

/// <summary>
/// Given-when-then for the model version's deciders, after Oskar Dudycz's <c>Spec.Given(...).When(...).Then(...)</c>:
/// the state is folded from recorded events, the command is decided once, and the decided events are compared whole
/// (as JSON, so that lists inside events compare by content).
/// </summary>
internal sealed class VersionSpec
{
    private static readonly JsonSerializerOptions Json = new() { Converters = { new JsonStringEnumConverter() } };
    private readonly object[] _given;
    private Func<ModelVersion, object[]>? _when;

    private VersionSpec(object[] given) => _given = given;

    public static VersionSpec Given(params object[] events) => new(events);

    public VersionSpec When(Func<ModelVersion, object[]> decide)
    {
        _when = decide;
        return this;
    }

    public void Then(params object[] expected) => Assert.Equal(expected.Select(Serialize), Decide().Select(Serialize));

    public void ThenRefused(RuleKind kind, string code)
    {
        var refused = Assert.Throws<GovernanceRuleException>(() => Decide());
        Assert.Equal((kind, code), (refused.Kind, refused.Code));
    }

    private object[] Decide() => (_when ?? throw new InvalidOperationException("Say When before Then."))(TestLedger.Given(_given));

    private static string Serialize(object e) => e.GetType().Name + " " + JsonSerializer.Serialize(e, e.GetType(), Json);
}

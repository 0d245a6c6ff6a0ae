using Governance.Domain.Models;
using Governance.Domain.Shared;
using static Governance.Domain.Tests.TestLedger;

namespace Governance.Domain.Tests;

/// <summary>The administrator's conflicting-role warnings: role pairs, and models a second-line person owns or helps own.</summary>
public sealed class StewardshipConflictTests
{
    [Fact]
    public void An_owner_who_also_validates_is_warned_of_the_role_pair_and_of_each_model_they_steward()
    {
        var warnings = StewardshipConflicts.Of(Owner.SubjectId, [Roles.ModelOwner, Roles.Validator], [TheModel]);

        Assert.Equal(
            [
                "ModelOwner + Validator: owns models (first line) and validates them (second line)",
                $"owns model {ModelId} and holds Validator",
            ],
            warnings
        );
        Assert.Equal(
            [$"is a delegate of model {ModelId} and holds RiskOfficer"],
            StewardshipConflicts.Of(Developer.SubjectId, [Roles.RiskOfficer], [TheModel])
        );
    }

    [Fact]
    public void A_person_in_one_line_only_has_no_warning()
    {
        Assert.Empty(StewardshipConflicts.Of(Owner.SubjectId, [Roles.ModelOwner], [TheModel]));
        Assert.Empty(StewardshipConflicts.Of(Validator.SubjectId, [Roles.Validator], [TheModel]));
    }
}

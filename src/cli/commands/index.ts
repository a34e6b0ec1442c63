/**
 * Every command, in the order `--help` lists them. A new command (backup, rehearse,
 * review) is one file exporting `xCommand(run): Command` and one
 * line here; a command with subcommands (group, rollout) adds them itself.
 */
import type { Command } from 'commander';

import type { Run } from '../command.js';
import { backupCommand } from './backup.js';
import { compareCommand } from './compare.js';
import { deployCommand, verifyCommand } from './deploy.js';
import { groupCommand } from './group.js';
import { interfaceCheckCommand } from './interface-check.js';
import { cancelCommand, proposeCommand } from './propose.js';
import { ejectCommand, emergencyCommand, pauseCommands, restoreCommand } from './recovery.js';
import { registerCommand } from './register.js';
import { rehearseCommand } from './rehearse.js';
import { rolloutCommand } from './rollout.js';
import { auditCommand, statusCommand } from './status.js';
import { uiCommand } from './ui.js';
import { uploadCommand } from './upload.js';
import { voteCommand } from './vote.js';
import { watchCommand } from './watch.js';
import { whoamiCommand } from './whoami.js';

export function commands(run: Run): Command[] {
    return [
        deployCommand(run),
        verifyCommand(run),
        registerCommand(run),
        uploadCommand(run),
        proposeCommand(run),
        groupCommand(run),
        rolloutCommand(run),
        compareCommand(run),
        interfaceCheckCommand(run),
        rehearseCommand(run),
        voteCommand(run),
        cancelCommand(run),
        statusCommand(run),
        watchCommand(run),
        auditCommand(run),
        ...pauseCommands(run),
        emergencyCommand(run),
        backupCommand(run),
        restoreCommand(run),
        ejectCommand(run),
        uiCommand(run),
        whoamiCommand(run)
    ];
}

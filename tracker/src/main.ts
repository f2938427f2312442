// The bundle's entry.
import { init } from '.';

init();

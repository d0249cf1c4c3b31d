/**
 * The 256 words a safety code is spelled in, one per byte value: concrete,
 * easy to say and to hear, 3 to 8 letters, no two sharing their first four
 * letters (so a word misheard as a near neighbour is caught as a different
 * word). Written for Parley. Changing one word, or the order, changes every
 * code: both sides of a call must run the same list (SAFETY_CODE_VERSION).
 */
export const SAFETY_WORDS: readonly string[] = [
  'almond', 'amber', 'anchor', 'anvil', 'apple', 'apricot', 'archer', 'arrow', 'autumn', 'badger', 'bagel', 'baker', 'banana', 'banjo', 'barber',
  'barley', 'barrel', 'basil', 'basket', 'beacon', 'beaver', 'birch', 'biscuit', 'bison', 'blanket', 'blizzard', 'bottle', 'breeze', 'bronze',
  'bucket', 'butler', 'button', 'cabin', 'cactus', 'camel', 'candle', 'canyon', 'carrot', 'cashew', 'castle', 'cedar', 'celery', 'cherry',
  'chess', 'chili', 'chimney', 'cliff', 'clover', 'cobalt', 'cobra', 'cocoa', 'comet', 'compass', 'condor', 'cookie', 'copper', 'coral', 'cotton',
  'coyote', 'cradle', 'crane', 'crater', 'crayon', 'crimson', 'crown', 'cumin', 'curry', 'cymbal', 'daisy', 'desert', 'doctor', 'domino',
  'donkey', 'drum', 'dusk', 'eagle', 'ember', 'engine', 'falcon', 'farmer', 'fennel', 'ferret', 'fiddle', 'flute', 'forest', 'frost', 'funnel',
  'garlic', 'gecko', 'geyser', 'gibbon', 'ginger', 'glacier', 'glider', 'goblet', 'gondola', 'goose', 'granite', 'grape', 'guitar', 'hammer',
  'hamster', 'harbor', 'helmet', 'heron', 'hockey', 'honey', 'hyena', 'igloo', 'iguana', 'indigo', 'island', 'ivory', 'jackal', 'jade', 'jester',
  'jigsaw', 'jungle', 'karate', 'kayak', 'kettle', 'kite', 'knight', 'koala', 'ladder', 'lagoon', 'lantern', 'lemon', 'lemur', 'lentil', 'linen',
  'lizard', 'llama', 'lobster', 'locket', 'lotus', 'magnet', 'magpie', 'mango', 'maple', 'marmot', 'marsh', 'meadow', 'meteor', 'midnight',
  'mirror', 'mitten', 'moose', 'muffin', 'mustard', 'needle', 'newt', 'nomad', 'noodle', 'nutmeg', 'ocelot', 'olive', 'onion', 'orange', 'orbit',
  'orchid', 'otter', 'oyster', 'paddle', 'panda', 'papaya', 'parrot', 'peanut', 'pebble', 'pelican', 'pencil', 'penguin', 'pepper', 'piano',
  'pickle', 'pillow', 'pilot', 'pirate', 'planet', 'poet', 'potato', 'prairie', 'pretzel', 'puffin', 'pumpkin', 'puzzle', 'python', 'quartz',
  'rabbit', 'radish', 'rainbow', 'raisin', 'ranger', 'rapids', 'raven', 'reef', 'riddle', 'ridge', 'river', 'rocket', 'saddle', 'sailor',
  'salmon', 'saturn', 'scarlet', 'scooter', 'shark', 'shovel', 'sickle', 'silk', 'silver', 'sled', 'sloth', 'spider', 'spoon', 'squid', 'statue',
  'summit', 'sunrise', 'tailor', 'teapot', 'tennis', 'thunder', 'ticket', 'tiger', 'toast', 'toffee', 'tomato', 'tornado', 'toucan', 'tractor',
  'trolley', 'trophy', 'trumpet', 'tuba', 'tundra', 'tunnel', 'turtle', 'valley', 'velvet', 'volcano', 'waffle', 'wagon', 'walnut', 'walrus',
  'whistle', 'willow', 'window', 'winter', 'wizard', 'wool', 'wrench', 'yacht', 'yogurt', 'zebra', 'zipper',
];
